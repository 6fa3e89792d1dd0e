/**
 * wshub's contracts. Depends on nothing but the JDK.
 */
module io.wshub.api {
    exports io.wshub.api;
    exports io.wshub.api.spi;

    uses io.wshub.api.spi.TransportProvider;
}
