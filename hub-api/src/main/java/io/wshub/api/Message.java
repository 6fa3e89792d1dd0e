package io.wshub.api;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * A WebSocket message, mirroring the protocol's message and control frame types (RFC 6455 §5.6, §5.5): {@link Text},
 * {@link Binary}, {@link Ping}, {@link Pong} and {@link Close}.
 *
 * <p>A message is immutable and is built for fan-out: it is encoded exactly once, at construction, into the bytes of
 * an unmasked, unfragmented server-to-client frame (RFC 6455 §5.2). {@link #payload()} and {@link #wireFrame()} return
 * read-only views of those bytes, so one message can be handed to any number of sessions and each transport writes the
 * same bytes without copying or re-encoding. A text message is validated or encoded to UTF-8 once and decoded back to a
 * {@code String} only when {@link Text#asString()} asks for it.
 *
 * <p>Control frames ({@link Ping}, {@link Pong}, {@link Close}) carry at most {@value #MAX_CONTROL_PAYLOAD} payload
 * bytes; a larger payload is rejected at construction with an {@link IllegalArgumentException}.
 *
 * <p>Thread-safety: instances are immutable and safe to share between threads. No method accepts or returns
 * {@code null} unless its documentation says so.
 */
public abstract sealed class Message permits Message.Text, Message.Binary, Message.Ping, Message.Pong, Message.Close {

    /** The largest payload a control frame may carry (RFC 6455 §5.5). */
    public static final int MAX_CONTROL_PAYLOAD = 125;

    /** The kinds of message, each with its frame opcode (RFC 6455 §5.2). */
    public enum Kind {
        /** A UTF-8 text message, opcode 0x1. */
        TEXT(0x1),
        /** A binary message, opcode 0x2. */
        BINARY(0x2),
        /** A close control frame, opcode 0x8. */
        CLOSE(0x8),
        /** A ping control frame, opcode 0x9. */
        PING(0x9),
        /** A pong control frame, opcode 0xA. */
        PONG(0xA);

        private final int opcode;

        Kind(int opcode) {
            this.opcode = opcode;
        }

        /**
         * Returns the frame opcode.
         *
         * @return the opcode, 0x1 to 0xA
         */
        public int opcode() {
            return opcode;
        }

        /**
         * Returns whether this kind is a control frame (close, ping, pong).
         *
         * @return {@code true} for control frames
         */
        public boolean isControl() {
            return (opcode & 0x8) != 0;
        }
    }

    private static final byte[] EMPTY = new byte[0];

    /** Header and payload of the encoded frame; never modified after construction, never exposed writable. */
    private final byte[] frame;
    private final int headerLength;
    private final ByteBuffer frameView;
    private final ByteBuffer payloadView;

    private Message(Kind kind, byte[] source, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, source.length);
        if (kind.isControl() && length > MAX_CONTROL_PAYLOAD) {
            throw new IllegalArgumentException(kind + " payload is " + length
                    + " bytes; a control frame carries at most " + MAX_CONTROL_PAYLOAD + " (RFC 6455 §5.5)");
        }
        this.headerLength = length <= 125 ? 2 : length <= 0xFFFF ? 4 : 10;
        this.frame = new byte[headerLength + length];
        frame[0] = (byte) (0x80 | kind.opcode());
        if (length <= 125) {
            frame[1] = (byte) length;
        } else if (length <= 0xFFFF) {
            frame[1] = 126;
            frame[2] = (byte) (length >>> 8);
            frame[3] = (byte) length;
        } else {
            frame[1] = 127;
            long len = length;
            for (int i = 0; i < 8; i++) {
                frame[2 + i] = (byte) (len >>> (56 - 8 * i));
            }
        }
        System.arraycopy(source, offset, frame, headerLength, length);
        this.frameView = ByteBuffer.wrap(frame).asReadOnlyBuffer();
        this.payloadView = ByteBuffer.wrap(frame, headerLength, length).slice().asReadOnlyBuffer();
    }

    /**
     * Returns the kind of this message.
     *
     * @return the kind; never null
     */
    public abstract Kind kind();

    /**
     * Returns the number of payload bytes.
     *
     * @return the payload length, 0 or more
     */
    public final int payloadLength() {
        return frame.length - headerLength;
    }

    /**
     * Returns a read-only view of the payload, positioned at 0 with its limit at {@link #payloadLength()}. Each call
     * returns a new view with its own position, so callers may consume it freely; the bytes are shared.
     *
     * @return a read-only buffer; never null
     */
    public final ByteBuffer payload() {
        return payloadView.duplicate();
    }

    /**
     * Returns a read-only view of this message encoded as one unmasked, final server-to-client frame (header and
     * payload), ready to be written to a socket. The encoding was done once, at construction; each call returns a new
     * view of the same bytes.
     *
     * @return a read-only buffer positioned at 0; never null
     */
    public final ByteBuffer wireFrame() {
        return frameView.duplicate();
    }

    /**
     * Returns the length of {@link #wireFrame()}: the payload length plus a 2, 4 or 10 byte header.
     *
     * @return the encoded frame's length in bytes
     */
    public final int wireFrameLength() {
        return frame.length;
    }

    /**
     * Returns a fresh copy of the payload.
     *
     * @return a new array the caller owns; never null
     */
    public final byte[] copyPayload() {
        return Arrays.copyOfRange(frame, headerLength, frame.length);
    }

    /**
     * Compares kind and payload bytes.
     *
     * @param o another object, may be null
     * @return whether {@code o} is a message of the same kind with equal payload bytes
     */
    @Override
    public final boolean equals(Object o) {
        return o instanceof Message m && m.kind() == kind() && Arrays.equals(m.frame, frame);
    }

    @Override
    public final int hashCode() {
        return Arrays.hashCode(frame);
    }

    @Override
    public String toString() {
        return kind() + "[" + payloadLength() + " bytes]";
    }

    // ------------------------------------------------------------------------------------------------ factories

    /**
     * Creates a text message, encoding {@code text} to UTF-8 once.
     *
     * @param text the text; not null. Unpaired surrogates are replaced with {@code '?'} by the encoder.
     * @return a text message
     */
    public static Text text(CharSequence text) {
        String s = text.toString();
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        return new Text(utf8, 0, utf8.length, hasUnpairedSurrogate(s) ? null : s);
    }

    private static boolean hasUnpairedSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Creates a text message from UTF-8 bytes, as a transport does with a received message. The bytes are copied.
     *
     * @param utf8 the encoded text; not null
     * @return a text message
     * @throws IllegalArgumentException if the bytes are not well-formed UTF-8 (a transport closes with 1007)
     */
    public static Text textUtf8(byte[] utf8) {
        return textUtf8(utf8, 0, utf8.length);
    }

    /**
     * Creates a text message from a range of UTF-8 bytes. The bytes are copied.
     *
     * @param utf8 the array holding the encoded text; not null
     * @param offset the first byte of the text
     * @param length the number of bytes
     * @return a text message
     * @throws IllegalArgumentException if the bytes are not well-formed UTF-8 (a transport closes with 1007)
     */
    public static Text textUtf8(byte[] utf8, int offset, int length) {
        if (!Utf8.isValid(utf8, offset, length)) {
            throw new IllegalArgumentException("text payload is not valid UTF-8 (RFC 6455 §8.1)");
        }
        return new Text(utf8, offset, length, null);
    }

    /**
     * Creates a binary message. The bytes are copied.
     *
     * @param data the payload; not null
     * @return a binary message
     */
    public static Binary binary(byte[] data) {
        return new Binary(data, 0, data.length);
    }

    /**
     * Creates a binary message from a range of an array. The bytes are copied.
     *
     * @param data the array holding the payload; not null
     * @param offset the first byte of the payload
     * @param length the number of bytes
     * @return a binary message
     * @throws IndexOutOfBoundsException if the range does not fit the array
     */
    public static Binary binary(byte[] data, int offset, int length) {
        return new Binary(data, offset, length);
    }

    /**
     * Creates a binary message from the remaining bytes of a buffer, without moving the buffer's position. The bytes
     * are copied.
     *
     * @param data the payload; not null
     * @return a binary message
     */
    public static Binary binary(ByteBuffer data) {
        byte[] copy = new byte[data.remaining()];
        data.duplicate().get(copy);
        return new Binary(copy, 0, copy.length);
    }

    /**
     * Creates a ping.
     *
     * @param data the application data; not null, at most {@value #MAX_CONTROL_PAYLOAD} bytes
     * @return a ping
     * @throws IllegalArgumentException if {@code data} is longer than {@value #MAX_CONTROL_PAYLOAD} bytes
     */
    public static Ping ping(byte[] data) {
        return new Ping(data);
    }

    /**
     * Creates a pong.
     *
     * @param data the application data, normally the ping's; not null, at most {@value #MAX_CONTROL_PAYLOAD} bytes
     * @return a pong
     * @throws IllegalArgumentException if {@code data} is longer than {@value #MAX_CONTROL_PAYLOAD} bytes
     */
    public static Pong pong(byte[] data) {
        return new Pong(data);
    }

    /**
     * Creates a close frame with a status code and a reason.
     *
     * @param code a code that may appear on the wire ({@link CloseCode#isValidOnWire(int)})
     * @param reason the reason; not null, at most 123 bytes in UTF-8
     * @return a close message
     * @throws IllegalArgumentException if the code may not be sent or the reason is too long
     */
    public static Close close(int code, String reason) {
        return Close.of(code, reason);
    }

    /**
     * Creates a close frame with a named status code and a reason.
     *
     * @param code a code that may appear on the wire; not null
     * @param reason the reason; not null, at most 123 bytes in UTF-8
     * @return a close message
     * @throws IllegalArgumentException if the code may not be sent or the reason is too long
     */
    public static Close close(CloseCode code, String reason) {
        return Close.of(code.code(), reason);
    }

    // ------------------------------------------------------------------------------------------------ kinds

    /** A text message: UTF-8 bytes encoded once, decoded on demand. */
    public static final class Text extends Message {
        private volatile String decoded;

        private Text(byte[] utf8, int offset, int length, String decoded) {
            super(Kind.TEXT, utf8, offset, length);
            this.decoded = decoded;
        }

        @Override
        public Kind kind() {
            return Kind.TEXT;
        }

        /**
         * Returns the text, decoding the UTF-8 payload on the first call and caching the result.
         *
         * @return the text; never null
         */
        public String asString() {
            String s = decoded;
            if (s == null) {
                ByteBuffer p = payload();
                s = StandardCharsets.UTF_8.decode(p).toString();
                decoded = s;
            }
            return s;
        }

        @Override
        public String toString() {
            String s = asString();
            return "Text[" + (s.length() > 64 ? s.substring(0, 64) + "…" : s) + "]";
        }
    }

    /** A binary message. */
    public static final class Binary extends Message {
        private Binary(byte[] data, int offset, int length) {
            super(Kind.BINARY, data, offset, length);
        }

        @Override
        public Kind kind() {
            return Kind.BINARY;
        }
    }

    /** A ping control frame; its payload is at most {@value Message#MAX_CONTROL_PAYLOAD} bytes. */
    public static final class Ping extends Message {
        private Ping(byte[] data) {
            super(Kind.PING, data, 0, data.length);
        }

        @Override
        public Kind kind() {
            return Kind.PING;
        }
    }

    /** A pong control frame; its payload is at most {@value Message#MAX_CONTROL_PAYLOAD} bytes. */
    public static final class Pong extends Message {
        private Pong(byte[] data) {
            super(Kind.PONG, data, 0, data.length);
        }

        @Override
        public Kind kind() {
            return Kind.PONG;
        }
    }

    /**
     * A close control frame (RFC 6455 §5.5.1): either empty, or a two-byte status code followed by a UTF-8 reason of at
     * most 123 bytes.
     */
    public static final class Close extends Message {
        /** The longest reason a close frame can carry, in UTF-8 bytes. */
        public static final int MAX_REASON_BYTES = MAX_CONTROL_PAYLOAD - 2;

        private static final Close EMPTY_CLOSE = new Close(EMPTY, CloseCode.NO_STATUS_RECEIVED.code(), "");

        private final int code;
        private final String reason;

        private Close(byte[] payload, int code, String reason) {
            super(Kind.CLOSE, payload, 0, payload.length);
            this.code = code;
            this.reason = reason;
        }

        static Close of(int code, String reason) {
            Objects.requireNonNull(reason, "reason");
            if (!CloseCode.isValidOnWire(code)) {
                throw new IllegalArgumentException("close code " + code + " may not appear on the wire; allowed: "
                        + "1000-1003, 1007-1014, 3000-4999 (RFC 6455 §7.4)");
            }
            byte[] r = reason.getBytes(StandardCharsets.UTF_8);
            if (r.length > MAX_REASON_BYTES) {
                throw new IllegalArgumentException("close reason is " + r.length + " bytes in UTF-8; at most "
                        + MAX_REASON_BYTES + " fit in a control frame (RFC 6455 §5.5)");
            }
            byte[] payload = new byte[2 + r.length];
            payload[0] = (byte) (code >>> 8);
            payload[1] = (byte) code;
            System.arraycopy(r, 0, payload, 2, r.length);
            return new Close(payload, code, reason);
        }

        /**
         * Returns a close frame with no status code and no reason; its {@link #code()} reports 1005.
         *
         * @return the empty close frame
         */
        public static Close empty() {
            return EMPTY_CLOSE;
        }

        /**
         * Decodes a received close frame's payload, applying RFC 6455's rules: a payload of one byte, a code that may
         * not appear on the wire, a reason that is not UTF-8 or a payload over 125 bytes are protocol errors.
         *
         * @param payload the frame's payload, read from position to limit without moving the position; not null
         * @return the close message
         * @throws IllegalArgumentException on a protocol error; the caller closes the connection with 1002
         */
        public static Close decode(ByteBuffer payload) {
            int n = payload.remaining();
            if (n == 0) {
                return EMPTY_CLOSE;
            }
            if (n == 1) {
                throw new IllegalArgumentException("close payload of 1 byte: a status code needs 2 (RFC 6455 §5.5.1)");
            }
            if (n > MAX_CONTROL_PAYLOAD) {
                throw new IllegalArgumentException("close payload is " + n + " bytes; at most " + MAX_CONTROL_PAYLOAD);
            }
            byte[] bytes = new byte[n];
            payload.duplicate().get(bytes);
            int code = ((bytes[0] & 0xFF) << 8) | (bytes[1] & 0xFF);
            if (!CloseCode.isValidOnWire(code)) {
                throw new IllegalArgumentException("close code " + code + " may not appear on the wire (RFC 6455 §7.4)");
            }
            if (!Utf8.isValid(bytes, 2, n - 2)) {
                throw new IllegalArgumentException("close reason is not valid UTF-8 (RFC 6455 §5.5.1)");
            }
            return new Close(bytes, code, new String(bytes, 2, n - 2, StandardCharsets.UTF_8));
        }

        @Override
        public Kind kind() {
            return Kind.CLOSE;
        }

        /**
         * Returns the status code, or 1005 ({@link CloseCode#NO_STATUS_RECEIVED}) for an empty close frame.
         *
         * @return the status code
         */
        public int code() {
            return code;
        }

        /**
         * Returns the reason.
         *
         * @return the reason, empty if none; never null
         */
        public String reason() {
            return reason;
        }

        @Override
        public String toString() {
            return "Close[" + code + (reason.isEmpty() ? "" : ", " + reason) + "]";
        }
    }
}
