/**
 * wshub's conformance kit: abstract JUnit suites that a transport ({@link io.wshub.testkit.TransportVerification}) or a
 * hub ({@link io.wshub.testkit.HubVerification}) extends, a raw frame client, and in-memory test doubles.
 */
module io.wshub.testkit {
    requires transitive io.wshub.api;
    requires transitive org.junit.jupiter.api;
    requires java.net.http;

    exports io.wshub.testkit;

    opens io.wshub.testkit to org.junit.platform.commons;
}
