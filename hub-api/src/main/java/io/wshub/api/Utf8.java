package io.wshub.api;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * A strict UTF-8 validator (RFC 3629), as RFC 6455 §8.1 requires for text messages and close reasons: rejects overlong
 * encodings, surrogates (U+D800–U+DFFF), code points above U+10FFFF and truncated sequences. It allocates nothing.
 *
 * <p>Thread-safety: stateless; any thread may call it.
 */
public final class Utf8 {

    private Utf8() {
    }

    /**
     * Validates a whole array.
     *
     * @param bytes the bytes to check; not null
     * @return whether the bytes are well-formed UTF-8
     */
    public static boolean isValid(byte[] bytes) {
        return isValid(bytes, 0, bytes.length);
    }

    /**
     * Validates a range of an array.
     *
     * @param bytes the bytes to check; not null
     * @param offset the first index to check
     * @param length how many bytes to check
     * @return whether the range is well-formed UTF-8
     * @throws IndexOutOfBoundsException if the range does not fit the array
     */
    public static boolean isValid(byte[] bytes, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, bytes.length);
        int i = offset;
        int end = offset + length;
        while (i < end) {
            int b = bytes[i] & 0xFF;
            if (b < 0x80) {
                i++;
                continue;
            }
            int need;
            int min;
            int cp;
            if (b >= 0xC2 && b <= 0xDF) {
                need = 1;
                min = 0x80;
                cp = b & 0x1F;
            } else if (b >= 0xE0 && b <= 0xEF) {
                need = 2;
                min = 0x800;
                cp = b & 0x0F;
            } else if (b >= 0xF0 && b <= 0xF4) {
                need = 3;
                min = 0x10000;
                cp = b & 0x07;
            } else {
                return false;
            }
            if (i + need >= end) {
                return false;
            }
            for (int k = 1; k <= need; k++) {
                int c = bytes[i + k] & 0xFF;
                if ((c & 0xC0) != 0x80) {
                    return false;
                }
                cp = (cp << 6) | (c & 0x3F);
            }
            if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
                return false;
            }
            i += need + 1;
        }
        return true;
    }

    /**
     * Validates the remaining bytes of a buffer without moving its position.
     *
     * @param buffer the buffer to check; not null
     * @return whether the bytes between position and limit are well-formed UTF-8
     */
    public static boolean isValid(ByteBuffer buffer) {
        if (buffer.hasArray()) {
            return isValid(buffer.array(), buffer.arrayOffset() + buffer.position(), buffer.remaining());
        }
        byte[] copy = new byte[buffer.remaining()];
        buffer.duplicate().get(copy);
        return isValid(copy);
    }
}
