package io.wshub.testkit;

import io.wshub.api.CloseCode;
import io.wshub.api.HandshakeRequest;
import io.wshub.api.Message;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** Helpers shared by the in-memory sessions. Not part of the API. */
final class Sessions {

    /** The port reported as the remote port of in-memory sessions. */
    static final int FAKE_REMOTE_PORT = 49152;

    private Sessions() {
    }

    static HandshakeRequest defaultHandshake(String path) {
        return new HandshakeRequest(path, "", Map.of("Upgrade", List.of("websocket")),
                new InetSocketAddress("127.0.0.1", FAKE_REMOTE_PORT));
    }

    /** Validates close arguments the way {@link io.wshub.api.Session#close(int, String)} documents. */
    static void checkClose(int code, String reason) {
        if (reason == null) {
            throw new NullPointerException("reason");
        }
        if (!CloseCode.isValidOnWire(code)) {
            throw new IllegalArgumentException("close code " + code + " may not appear on the wire (RFC 6455 §7.4)");
        }
        if (reason.getBytes(StandardCharsets.UTF_8).length > Message.Close.MAX_REASON_BYTES) {
            throw new IllegalArgumentException("close reason longer than " + Message.Close.MAX_REASON_BYTES
                    + " bytes in UTF-8");
        }
    }

    static void checkMessage(Message message) {
        if (message == null) {
            throw new NullPointerException("message");
        }
    }
}
