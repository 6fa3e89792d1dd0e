package io.wshub.transport.javawebsocket;

import io.wshub.api.CloseCode;
import io.wshub.api.Message;
import io.wshub.api.spi.FrameDecoder;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.drafts.Draft;
import org.java_websocket.drafts.Draft_6455;
import org.java_websocket.enums.HandshakeState;
import org.java_websocket.enums.Opcode;
import org.java_websocket.enums.ReadyState;
import org.java_websocket.exceptions.InvalidDataException;
import org.java_websocket.exceptions.InvalidHandshakeException;
import org.java_websocket.exceptions.LimitExceededException;
import org.java_websocket.framing.CloseFrame;
import org.java_websocket.framing.Framedata;
import org.java_websocket.handshake.ClientHandshake;
import org.java_websocket.handshake.HandshakeBuilder;
import org.java_websocket.handshake.HandshakeImpl1Client;
import org.java_websocket.handshake.Handshakedata;
import org.java_websocket.handshake.ServerHandshakeBuilder;

/**
 * RFC 6455 done strictly on top of Java-WebSocket's {@link Draft_6455}.
 *
 * <ul>
 *   <li>Frames are parsed by the transport kernel's {@link FrameDecoder} instead of the library's parser, which
 *       echoes unmasked client frames, throws a {@code NullPointerException} on a close reason that is not UTF-8,
 *       rejects a text fragment that ends inside a code point and decodes every text message to a {@code String}.
 *       Complete messages become {@link Message}s, UTF-8 bytes kept as received.</li>
 *   <li>Handshake requests the library would refuse with a bare 404 (wrong method, HTTP version, WebSocket version)
 *       are let through as a {@link Malformed} or version-less match so that {@link JwsServer} answers them with the
 *       right status.</li>
 * </ul>
 *
 * <p>Thread-safety: one instance per connection (the library calls {@link #copyInstance()}); the parser state is
 * touched only by the connection's decoder thread.
 */
final class JwsDraft extends Draft_6455 {

    private final int maxMessageSize;
    /** The kernel's frame decoder; created on the first frame so an idle connection keeps none. */
    private FrameDecoder decoder;

    JwsDraft(int maxMessageSize) {
        super(Collections.emptyList(), Collections.emptyList(), maxMessageSize);
        this.maxMessageSize = maxMessageSize;
    }

    @Override
    public Draft copyInstance() {
        return new JwsDraft(maxMessageSize);
    }

    // ------------------------------------------------------------------------------------------------ handshake

    /**
     * A request the library refused to parse (another method than GET, another HTTP version than 1.1, a garbled
     * request line), carried to the server so that the kernel's validator answers it: with the method and target of
     * its request line when that line has the three parts of one, so a POST gets 405; otherwise 400 with a reason.
     */
    static final class Malformed extends HandshakeImpl1Client {
        private final String reason;
        private final String method;
        private final boolean http11;

        Malformed(String reason, String method, String target, boolean http11) {
            this.reason = reason;
            this.method = method;
            this.http11 = http11;
            setResourceDescriptor(target == null ? "/" : target);
        }

        String reason() {
            return reason;
        }

        /** The request line's method, or null if the line could not be split into method, target and version. */
        String method() {
            return method;
        }

        boolean http11() {
            return http11;
        }
    }

    @Override
    public Handshakedata translateHandshake(ByteBuffer buf) throws InvalidHandshakeException {
        int start = buf.position();
        try {
            return super.translateHandshake(buf);
        } catch (InvalidHandshakeException e) {
            String m = e.getMessage();
            String reason = m == null || m.isEmpty() ? "malformed HTTP request" : m;
            String[] line = requestLine(buf, start);
            if (line == null) {
                return new Malformed(reason, null, null, false);
            }
            return new Malformed(reason, line[0], line[1], "HTTP/1.1".equals(line[2]));
        }
    }

    /** The request line's three parts, read from the buffer as it was before parsing; null if it has not three. */
    private static String[] requestLine(ByteBuffer buf, int start) {
        int end = start;
        int limit = Math.min(buf.limit(), start + 8192);
        while (end < limit && buf.get(end) != '\r' && buf.get(end) != '\n') {
            end++;
        }
        byte[] bytes = new byte[end - start];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = buf.get(start + i);
        }
        String[] parts = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1).split(" ", -1);
        return parts.length == 3 && !parts[0].isEmpty() && parts[1].startsWith("/") ? parts : null;
    }

    @Override
    public HandshakeState acceptHandshakeAsServer(ClientHandshake handshakedata) throws InvalidHandshakeException {
        // The server validates version, key, Upgrade and Connection itself and answers with the right status; the
        // library would answer a bare 404. Negotiate the (default) extension only for a well-formed version 13.
        if (!(handshakedata instanceof Malformed)
                && "13".equals(handshakedata.getFieldValue("Sec-WebSocket-Version").trim())) {
            super.acceptHandshakeAsServer(handshakedata);
        }
        return HandshakeState.MATCHED;
    }

    @Override
    public HandshakeBuilder postProcessHandshakeResponseAsServer(ClientHandshake request,
                                                                 ServerHandshakeBuilder response)
            throws InvalidHandshakeException {
        String protocol = response.getFieldValue("Sec-WebSocket-Protocol");
        HandshakeBuilder b = super.postProcessHandshakeResponseAsServer(request, response);
        b.put("Connection", "Upgrade");
        if (!protocol.isEmpty()) {
            b.put("Sec-WebSocket-Protocol", protocol);
        }
        return b;
    }

    // ------------------------------------------------------------------------------------------------ frames

    @Override
    public void reset() {
        super.reset();
        if (decoder != null && !decoder.failed()) {
            decoder = null; // a failed connection stays failed: it discards whatever else arrives
        }
    }

    @Override
    public List<Framedata> translateFrame(ByteBuffer buffer) throws InvalidDataException {
        if (decoder == null) {
            decoder = new FrameDecoder(maxMessageSize);
        }
        Collector out = new Collector();
        decoder.decode(buffer, out);
        return out.frames == null ? Collections.emptyList() : out.frames;
    }

    /** Turns what the kernel's decoder reports into the frames {@link #processFrame} understands. */
    private static final class Collector implements FrameDecoder.Handler {
        List<Framedata> frames;

        private void add(Framedata f) {
            if (frames == null) {
                frames = new ArrayList<>(2);
            }
            frames.add(f);
        }

        @Override
        public void onMessage(Message message) {
            add(new MessageFrame(message));
        }

        @Override
        public void onPing(Message.Ping ping) {
            add(new ControlMessage(ping));
        }

        @Override
        public void onPong(Message.Pong pong) {
            add(new ControlMessage(pong));
        }

        @Override
        public void onClose(Message.Close close) {
            add(new PeerClose(close));
        }

        @Override
        public void onError(CloseCode code, String reason) {
            add(new ErrorFrame(code.code(), reason));
        }
    }

    @Override
    public void processFrame(WebSocketImpl webSocketImpl, Framedata frame) throws InvalidDataException {
        JwsConnection conn = (JwsConnection) webSocketImpl;
        if (frame instanceof MessageFrame m) {
            conn.onData(m.message);
        } else if (frame instanceof ControlMessage c) {
            if (c.message.kind() == Message.Kind.PING) {
                conn.onPing(c.message);
            }
        } else if (frame instanceof PeerClose p) {
            conn.onPeerClose(p.close);
            CloseFrame cf = new CloseFrame();
            // An empty close is answered with 1000 (1005 may not be sent); the session reports 1005.
            cf.setCode(p.close.code() == CloseCode.NO_STATUS_RECEIVED.code() ? CloseCode.NORMAL_CLOSURE.code()
                    : p.close.code());
            // The library refuses to build a 1007 close frame without a reason (and would drop the connection with no
            // reply): every valid code is answered (RFC 6455 5.5.1), so give that one a reason.
            cf.setReason(p.close.code() == CloseCode.INVALID_PAYLOAD.code() && p.close.reason().isEmpty()
                    ? "invalid payload data" : p.close.reason());
            synchronized (conn) { // the lock close() holds while it queues our close frame and marks CLOSING
                if (conn.getReadyState() == ReadyState.CLOSING) {
                    // Our close crossed the peer's: our frame is queued but maybe not written yet, and the library
                    // would drop the connection at once. End it once the out-queue is written instead.
                    conn.flushAndClose(cf.getCloseCode(), cf.getMessage(), true);
                    return;
                }
                super.processFrame(webSocketImpl, cf);
            }
        } else if (frame instanceof ErrorFrame e) {
            conn.onProtocolError(e.code, e.reason);
            if (e.code == CloseCode.MESSAGE_TOO_BIG.code()) {
                // The library reports an InvalidDataException to onError but not this one; report it ourselves.
                LimitExceededException tooBig = new LimitExceededException(e.reason, maxMessageSize);
                conn.getWebSocketListener().onWebsocketError(conn, tooBig);
                throw tooBig;
            }
            throw new InvalidDataException(e.code, e.reason);
        } else {
            super.processFrame(webSocketImpl, frame);
        }
    }

    /** Base of the frames this decoder hands to {@link #processFrame}. */
    private abstract static class DecodedFrame implements Framedata {
        @Override
        public boolean isFin() {
            return true;
        }

        @Override
        public boolean isRSV1() {
            return false;
        }

        @Override
        public boolean isRSV2() {
            return false;
        }

        @Override
        public boolean isRSV3() {
            return false;
        }

        @Override
        public boolean getTransfereMasked() {
            return true;
        }

        @Override
        public ByteBuffer getPayloadData() {
            return ByteBuffer.allocate(0);
        }

        @Override
        public void append(Framedata nextframe) {
            throw new UnsupportedOperationException("decoded frames are complete");
        }
    }

    private static final class MessageFrame extends DecodedFrame {
        private final Message message;

        MessageFrame(Message message) {
            this.message = message;
        }

        @Override
        public Opcode getOpcode() {
            return message.kind() == Message.Kind.TEXT ? Opcode.TEXT : Opcode.BINARY;
        }
    }

    private static final class ControlMessage extends DecodedFrame {
        private final Message message;

        ControlMessage(Message message) {
            this.message = message;
        }

        @Override
        public Opcode getOpcode() {
            return message.kind() == Message.Kind.PING ? Opcode.PING : Opcode.PONG;
        }
    }

    private static final class PeerClose extends DecodedFrame {
        private final Message.Close close;

        PeerClose(Message.Close close) {
            this.close = close;
        }

        @Override
        public Opcode getOpcode() {
            return Opcode.CLOSING;
        }
    }

    private static final class ErrorFrame extends DecodedFrame {
        private final int code;
        private final String reason;

        ErrorFrame(int code, String reason) {
            this.code = code;
            this.reason = reason;
        }

        @Override
        public Opcode getOpcode() {
            return Opcode.CLOSING;
        }
    }
}
