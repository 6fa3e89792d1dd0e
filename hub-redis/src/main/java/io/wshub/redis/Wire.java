package io.wshub.redis;

import io.wshub.api.Message;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The bytes a message travels as through Redis: a kind byte ({@code T} text, {@code B} binary) and the payload; and
 * the {@code head|rest} framing of channel messages, whose heads are ASCII.
 */
final class Wire {

    private static final byte TEXT = 'T';
    private static final byte BINARY = 'B';
    static final byte SEP = '|';

    private Wire() {
    }

    /** Encodes a text or binary message. */
    static byte[] encode(Message message) {
        byte kind;
        if (message instanceof Message.Text) {
            kind = TEXT;
        } else if (message instanceof Message.Binary) {
            kind = BINARY;
        } else {
            throw new IllegalArgumentException("only text and binary messages travel through a hub, not "
                    + message.kind());
        }
        ByteBuffer p = message.payload();
        byte[] out = new byte[1 + p.remaining()];
        out[0] = kind;
        p.get(out, 1, p.remaining());
        return out;
    }

    /** Decodes what {@link #encode} made, from {@code from} to the end of the array. */
    static Message decode(byte[] b, int from) {
        if (from >= b.length) {
            throw new IllegalArgumentException("empty message");
        }
        if (b[from] == TEXT) {
            return Message.textUtf8(b, from + 1, b.length - from - 1);
        }
        if (b[from] == BINARY) {
            return Message.binary(b, from + 1, b.length - from - 1);
        }
        throw new IllegalArgumentException("unknown message kind " + b[from]);
    }

    /** Returns {@code head|data}. */
    static byte[] headed(String head, byte[] data) {
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[h.length + 1 + data.length];
        System.arraycopy(h, 0, out, 0, h.length);
        out[h.length] = SEP;
        System.arraycopy(data, 0, out, h.length + 1, data.length);
        return out;
    }

    /** Returns the index of the first separator at or after {@code from}; -1 if none. */
    static int sep(byte[] b, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == SEP) {
                return i;
            }
        }
        return -1;
    }

    /** Parses the decimal digits from {@code from} (inclusive) to {@code to} (exclusive). */
    static long number(byte[] b, int from, int to) {
        if (from >= to || to - from > 19) {
            throw new IllegalArgumentException("bad number");
        }
        long n = 0;
        boolean negative = b[from] == '-';
        for (int i = negative ? from + 1 : from; i < to; i++) {
            int d = b[i] - '0';
            if (d < 0 || d > 9) {
                throw new IllegalArgumentException("bad number");
            }
            n = n * 10 + d;
        }
        return negative ? -n : n;
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static boolean startsWith(byte[] b, byte[] prefix) {
        if (b.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (b[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
