package io.wshub.api.spi;

import io.wshub.api.CloseCode;
import io.wshub.api.Message;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The transport kernel's incremental decoder of client-to-server frames (RFC 6455 §5): bytes in, complete
 * {@link Message}s out, with the protocol's rules and the configured size limit enforced as the bytes arrive.
 *
 * <ul>
 *   <li>1002 (protocol error) for an unmasked frame (§5.1), RSV bits without a negotiated extension (§5.2), a reserved
 *       opcode, a fragmented control frame or one above 125 bytes (§5.5), a continuation with nothing to continue or
 *       a new data frame inside a fragmented message (§5.4), a 64-bit length with its top bit set, and a close frame
 *       whose payload is one byte, has a code that may not be sent, or a reason that is not UTF-8 (§5.5.1, §7.4).</li>
 *   <li>1009 (message too big) for a message whose total payload would exceed the limit, decided from the frame
 *       header before any payload is buffered.</li>
 *   <li>1007 (invalid payload) for a text message that is not UTF-8 (§8.1), checked once the message is complete, so a
 *       fragment may end inside a code point.</li>
 * </ul>
 *
 * <p>Control frames may arrive between the fragments of a data message. A data message is assembled in one array
 * that grows with its fragments and becomes the message's bytes; control frames are delivered as they complete. After
 * the first error the decoder is failed: it reports nothing more and discards every later byte, and the transport
 * closes the connection with the reported code.
 *
 * <p>Thread-safety: not thread-safe; one instance per connection, used by the thread that reads that connection.
 */
public final class FrameDecoder {

    /**
     * Receives what the decoder finds, on the thread that called {@link #decode}.
     *
     * <p>Thread-safety: called only on the decoding thread.
     */
    public interface Handler {

        /**
         * A complete text or binary message.
         *
         * @param message the message; never null
         */
        void onMessage(Message message);

        /**
         * A ping, to be answered with a pong carrying the same payload (§5.5.2).
         *
         * @param ping the ping; never null
         */
        void onPing(Message.Ping ping);

        /**
         * A pong.
         *
         * @param pong the pong; never null
         */
        void onPong(Message.Pong pong);

        /**
         * The client's close frame; an empty one has code 1005 (no status received), which may not be echoed.
         *
         * @param close the close frame; never null
         */
        void onClose(Message.Close close);

        /**
         * A protocol violation: the connection must be closed with this code. Nothing follows.
         *
         * @param code 1002, 1007 or 1009; never null
         * @param reason what was wrong, fit for a close frame's reason (ASCII, under 123 bytes); never null
         */
        void onError(CloseCode code, String reason);
    }

    private static final int STATE_HEADER = 0;
    private static final int STATE_PAYLOAD = 1;

    private final int maxMessageSize;

    /** The frame header being read; created on the first frame so an idle connection keeps none. */
    private byte[] header;
    private int headerRead;
    private int state = STATE_HEADER;

    private boolean fin;
    private int opcode;
    /** The frame's masking key, big-endian: key byte i is {@code maskKey >>> (24 - 8 * i)}. */
    private int maskKey;
    private int maskIndex;
    private byte[] target;
    private int targetOffset;
    private int payloadRemaining;

    /** The opcode of the data message being assembled, or -1. */
    private int messageOpcode = -1;
    private byte[] messageBytes;
    private int messageLength;

    private boolean failed;

    /**
     * Creates a decoder.
     *
     * @param maxMessageSize the largest data message, in payload bytes, summed over its fragments; 1 or more
     * @throws IllegalArgumentException if the limit is not positive
     */
    public FrameDecoder(int maxMessageSize) {
        if (maxMessageSize < 1) {
            throw new IllegalArgumentException("maxMessageSize must be 1 or more, was " + maxMessageSize);
        }
        this.maxMessageSize = maxMessageSize;
    }

    /**
     * Decodes every byte of the buffer, telling the handler about each complete message, control frame or error,
     * in order. The buffer is consumed to its limit; a partial frame is kept for the next call.
     *
     * @param buffer the bytes read from the connection; not null
     * @param handler told what was decoded; not null
     */
    public void decode(ByteBuffer buffer, Handler handler) {
        while (buffer.hasRemaining() && !failed) {
            if (state == STATE_HEADER) {
                readHeader(buffer, handler);
            } else {
                readPayload(buffer, handler);
            }
        }
        if (failed) {
            buffer.position(buffer.limit());
        }
    }

    /**
     * Returns whether a protocol error has been reported.
     *
     * @return {@code true} once {@link Handler#onError} was called
     */
    public boolean failed() {
        return failed;
    }

    /**
     * Returns whether the decoder is between frames and holds no partial message: what it has been given so far
     * ended on a message boundary.
     *
     * @return {@code true} if nothing is pending
     */
    public boolean idle() {
        return state == STATE_HEADER && headerRead == 0 && messageOpcode < 0;
    }

    private void readHeader(ByteBuffer buffer, Handler handler) {
        if (header == null) {
            header = new byte[14];
        }
        int need = headerLength();
        while (buffer.hasRemaining() && headerRead < need) {
            header[headerRead++] = buffer.get();
            need = headerLength();
        }
        if (headerRead < need) {
            return;
        }
        int b0 = header[0] & 0xFF;
        int b1 = header[1] & 0xFF;
        fin = (b0 & 0x80) != 0;
        opcode = b0 & 0x0F;
        boolean masked = (b1 & 0x80) != 0;
        int len7 = b1 & 0x7F;
        long length;
        int pos;
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
            pos = 2;
        }
        headerRead = 0;
        if ((b0 & 0x70) != 0) {
            fail(handler, CloseCode.PROTOCOL_ERROR, "RSV bits set without a negotiated extension");
            return;
        }
        boolean control = (opcode & 0x8) != 0;
        if (!(opcode <= 0x2 || (opcode >= 0x8 && opcode <= 0xA))) {
            fail(handler, CloseCode.PROTOCOL_ERROR, "reserved opcode " + opcode);
            return;
        }
        if (!masked) {
            fail(handler, CloseCode.PROTOCOL_ERROR, "unmasked client frame (RFC 6455 5.1)");
            return;
        }
        if (length < 0) {
            fail(handler, CloseCode.PROTOCOL_ERROR, "64-bit payload length with the most significant bit set");
            return;
        }
        if (control) {
            if (!fin) {
                fail(handler, CloseCode.PROTOCOL_ERROR, "fragmented control frame");
                return;
            }
            if (length > Message.MAX_CONTROL_PAYLOAD) {
                fail(handler, CloseCode.PROTOCOL_ERROR, "control frame payload above 125 bytes");
                return;
            }
            target = new byte[(int) length];
            targetOffset = 0;
        } else {
            if (opcode == 0 && messageOpcode < 0) {
                fail(handler, CloseCode.PROTOCOL_ERROR, "continuation frame without a message to continue");
                return;
            }
            if (opcode != 0 && messageOpcode >= 0) {
                fail(handler, CloseCode.PROTOCOL_ERROR, "new data frame before the fragmented message ended");
                return;
            }
            long total = (opcode == 0 ? messageLength : 0) + length;
            if (total > maxMessageSize) {
                fail(handler, CloseCode.MESSAGE_TOO_BIG, "message above " + maxMessageSize + " bytes");
                return;
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
        if (payloadRemaining == 0) {
            frameComplete(handler);
        }
    }

    private int headerLength() {
        if (headerRead < 2) {
            return 2;
        }
        int len7 = header[1] & 0x7F;
        int ext = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
        return 2 + ext + ((header[1] & 0x80) != 0 ? 4 : 0);
    }

    private void readPayload(ByteBuffer buffer, Handler handler) {
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
        if (payloadRemaining == 0) {
            frameComplete(handler);
        }
    }

    private void frameComplete(Handler handler) {
        state = STATE_HEADER;
        byte[] payload = target;
        target = null;
        switch (opcode) {
            case 0x8:
                Message.Close close;
                try {
                    close = Message.Close.decode(ByteBuffer.wrap(payload));
                } catch (IllegalArgumentException e) {
                    fail(handler, CloseCode.PROTOCOL_ERROR, "invalid close frame");
                    return;
                }
                handler.onClose(close);
                return;
            case 0x9:
                handler.onPing(Message.ping(payload));
                return;
            case 0xA:
                handler.onPong(Message.pong(payload));
                return;
            default:
                break;
        }
        messageLength = targetOffset;
        if (!fin) {
            return;
        }
        byte[] bytes = messageBytes;
        int length = messageLength;
        int kind = messageOpcode;
        messageOpcode = -1;
        messageBytes = null;
        messageLength = 0;
        Message message;
        if (kind == 0x1) {
            try {
                // validates UTF-8 (RFC 6455 8.1) and copies once into the message's wire frame
                message = Message.textUtf8(bytes, 0, length);
            } catch (IllegalArgumentException e) {
                fail(handler, CloseCode.INVALID_PAYLOAD, "text message is not valid UTF-8");
                return;
            }
        } else {
            message = length == bytes.length ? Message.binary(bytes) : Message.binary(ByteBuffer.wrap(bytes, 0, length));
        }
        handler.onMessage(message);
    }

    private void fail(Handler handler, CloseCode code, String reason) {
        failed = true;
        state = STATE_HEADER;
        target = null;
        messageBytes = null;
        handler.onError(code, reason);
    }

    @Override
    public String toString() {
        return "FrameDecoder[max=" + maxMessageSize + (failed ? ", failed" : "") + (idle() ? "" : ", mid-frame") + "]";
    }
}
