package io.wshub.transport.javawebsocket;

import io.wshub.api.CloseCode;
import io.wshub.api.Message;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.drafts.Draft;
import org.java_websocket.drafts.Draft_6455;
import org.java_websocket.enums.HandshakeState;
import org.java_websocket.enums.Opcode;
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
 *   <li>Frames are parsed by our own incremental decoder instead of the library's, which echoes unmasked client
 *       frames, throws a {@code NullPointerException} on a close reason that is not UTF-8, rejects a text fragment
 *       that ends inside a code point and decodes every text message to a {@code String}. Ours closes with 1002 for
 *       unmasked frames, RSV bits, reserved opcodes, fragmented or oversized control frames, stray continuations and
 *       bad close payloads; 1007 for a text message that is not UTF-8; 1009 for a message above the limit, checked
 *       from the frame header before any payload is buffered. Complete messages become {@link Message}s, UTF-8
 *       bytes kept as received.</li>
 *   <li>Handshake requests the library would refuse with a bare 404 (wrong method, HTTP version, WebSocket version)
 *       are let through as a {@link Malformed} or version-less match so that {@link JwsServer} answers them with the
 *       right status.</li>
 * </ul>
 *
 * <p>Thread-safety: one instance per connection (the library calls {@link #copyInstance()}); the parser state is
 * touched only by the connection's decoder thread.
 */
final class JwsDraft extends Draft_6455 {

    private static final int STATE_HEADER = 0;
    private static final int STATE_PAYLOAD = 1;

    private final int maxMessageSize;

    // Frame header being read.
    /** Created on the first frame: an idle connection keeps none. */
    private byte[] header;
    private int headerRead;
    private int state = STATE_HEADER;

    // Current frame.
    private boolean fin;
    private int opcode;
    /** The frame's masking key, big-endian: key byte i is {@code maskKey >>> (24 - 8 * i)}. */
    private int maskKey;
    private int maskIndex;
    private byte[] target;
    private int targetOffset;
    private int payloadRemaining;

    // Current fragmented data message.
    private int messageOpcode = -1;
    private byte[] messageBytes;
    private int messageLength;

    private boolean failed;

    JwsDraft(int maxMessageSize) {
        super(Collections.emptyList(), Collections.emptyList(), maxMessageSize);
        this.maxMessageSize = maxMessageSize;
    }

    @Override
    public Draft copyInstance() {
        return new JwsDraft(maxMessageSize);
    }

    // ------------------------------------------------------------------------------------------------ handshake

    /** A request line the library could not parse, carried to the server so it answers 400 with a reason. */
    static final class Malformed extends HandshakeImpl1Client {
        private final String reason;

        Malformed(String reason) {
            this.reason = reason;
            setResourceDescriptor("/");
        }

        String reason() {
            return reason;
        }
    }

    @Override
    public Handshakedata translateHandshake(ByteBuffer buf) throws InvalidHandshakeException {
        try {
            return super.translateHandshake(buf);
        } catch (InvalidHandshakeException e) {
            String m = e.getMessage();
            return new Malformed(m == null || m.isEmpty() ? "malformed HTTP request" : m);
        }
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
        state = STATE_HEADER;
        headerRead = 0;
        target = null;
        messageOpcode = -1;
        messageBytes = null;
        messageLength = 0;
    }

    @Override
    public List<Framedata> translateFrame(ByteBuffer buffer) throws InvalidDataException {
        if (failed) {
            buffer.position(buffer.limit());
            return Collections.emptyList();
        }
        List<Framedata> out = null;
        while (buffer.hasRemaining() && !failed) {
            Framedata f = state == STATE_HEADER ? readHeader(buffer) : readPayload(buffer);
            if (f != null) {
                if (out == null) {
                    out = new ArrayList<>(2);
                }
                out.add(f);
            }
        }
        if (failed) {
            buffer.position(buffer.limit());
        }
        return out == null ? Collections.emptyList() : out;
    }

    private Framedata readHeader(ByteBuffer buffer) {
        if (header == null) {
            header = new byte[14];
        }
        while (buffer.hasRemaining()) {
            int need = headerLength();
            if (headerRead >= need) {
                break;
            }
            header[headerRead++] = buffer.get();
        }
        int need = headerLength();
        if (headerRead < need) {
            return null;
        }
        int b0 = header[0] & 0xFF;
        int b1 = header[1] & 0xFF;
        fin = (b0 & 0x80) != 0;
        opcode = b0 & 0x0F;
        boolean masked = (b1 & 0x80) != 0;
        int len7 = b1 & 0x7F;
        long length;
        int pos = 2;
        if (len7 == 126) {
            length = ((header[2] & 0xFF) << 8) | (header[3] & 0xFF);
            pos = 4;
        } else if (len7 == 127) {
            length = 0;
            for (int i = 0; i < 8; i++) {
                length = (length << 8) | (header[2 + i] & 0xFF);
            }
            pos = 10;
        } else {
            length = len7;
        }
        headerRead = 0;
        if ((b0 & 0x70) != 0) {
            return fail(CloseCode.PROTOCOL_ERROR, "RSV bits set without a negotiated extension");
        }
        boolean control = (opcode & 0x8) != 0;
        if (!(opcode <= 0x2 || (opcode >= 0x8 && opcode <= 0xA))) {
            return fail(CloseCode.PROTOCOL_ERROR, "reserved opcode " + opcode);
        }
        if (!masked) {
            return fail(CloseCode.PROTOCOL_ERROR, "unmasked client frame (RFC 6455 5.1)");
        }
        if (length < 0) {
            return fail(CloseCode.PROTOCOL_ERROR, "64-bit payload length with the most significant bit set");
        }
        if (control) {
            if (!fin) {
                return fail(CloseCode.PROTOCOL_ERROR, "fragmented control frame");
            }
            if (length > Message.MAX_CONTROL_PAYLOAD) {
                return fail(CloseCode.PROTOCOL_ERROR, "control frame payload above 125 bytes");
            }
            target = new byte[(int) length];
            targetOffset = 0;
        } else {
            if (opcode == 0 && messageOpcode < 0) {
                return fail(CloseCode.PROTOCOL_ERROR, "continuation frame without a message to continue");
            }
            if (opcode != 0 && messageOpcode >= 0) {
                return fail(CloseCode.PROTOCOL_ERROR, "new data frame before the fragmented message ended");
            }
            long total = (opcode == 0 ? messageLength : 0) + length;
            if (total > maxMessageSize) {
                return fail(CloseCode.MESSAGE_TOO_BIG, "message above " + maxMessageSize + " bytes");
            }
            if (opcode != 0) {
                messageOpcode = opcode;
                messageBytes = new byte[(int) length];
                messageLength = 0;
            } else if (messageBytes.length < total) {
                messageBytes = Arrays.copyOf(messageBytes, (int) total);
            }
            target = messageBytes;
            targetOffset = messageLength;
        }
        maskKey = ((header[pos] & 0xFF) << 24) | ((header[pos + 1] & 0xFF) << 16) | ((header[pos + 2] & 0xFF) << 8)
                | (header[pos + 3] & 0xFF);
        maskIndex = 0;
        payloadRemaining = (int) length;
        state = STATE_PAYLOAD;
        return payloadRemaining == 0 ? frameComplete() : null;
    }

    private int headerLength() {
        if (headerRead < 2) {
            return 2;
        }
        int len7 = header[1] & 0x7F;
        int ext = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
        return 2 + ext + ((header[1] & 0x80) != 0 ? 4 : 0);
    }

    private Framedata readPayload(ByteBuffer buffer) {
        int n = Math.min(payloadRemaining, buffer.remaining());
        buffer.get(target, targetOffset, n);
        byte[] t = target;
        int m = maskIndex;
        for (int i = targetOffset, end = targetOffset + n; i < end; i++) {
            t[i] ^= (byte) (maskKey >>> (24 - (m << 3)));
            m = (m + 1) & 3;
        }
        maskIndex = m;
        targetOffset += n;
        payloadRemaining -= n;
        return payloadRemaining == 0 ? frameComplete() : null;
    }

    private Framedata frameComplete() {
        state = STATE_HEADER;
        byte[] payload = target;
        target = null;
        switch (opcode) {
            case 0x8:
                return closeFrame(payload);
            case 0x9:
                return new ControlMessage(Message.ping(payload));
            case 0xA:
                return new ControlMessage(Message.pong(payload));
            default:
                break;
        }
        messageLength = targetOffset;
        if (!fin) {
            return null;
        }
        byte[] bytes = messageBytes;
        int length = messageLength;
        int kind = messageOpcode;
        messageOpcode = -1;
        messageBytes = null;
        messageLength = 0;
        if (kind == 0x1) {
            try {
                // validates UTF-8 (RFC 6455 8.1) and copies once into the message's wire frame
                return new MessageFrame(Message.textUtf8(bytes, 0, length));
            } catch (IllegalArgumentException e) {
                return fail(CloseCode.INVALID_PAYLOAD, "text message is not valid UTF-8");
            }
        }
        return new MessageFrame(length == bytes.length ? Message.binary(bytes)
                : Message.binary(ByteBuffer.wrap(bytes, 0, length)));
    }

    private Framedata closeFrame(byte[] payload) {
        Message.Close close;
        try {
            close = Message.Close.decode(ByteBuffer.wrap(payload));
        } catch (IllegalArgumentException e) {
            return fail(CloseCode.PROTOCOL_ERROR, "invalid close frame");
        }
        return new PeerClose(close);
    }

    private Framedata fail(CloseCode code, String reason) {
        failed = true;
        state = STATE_HEADER;
        target = null;
        messageBytes = null;
        return new ErrorFrame(code.code(), reason);
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
            cf.setReason(p.close.reason());
            super.processFrame(webSocketImpl, cf);
        } else if (frame instanceof ErrorFrame e) {
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
