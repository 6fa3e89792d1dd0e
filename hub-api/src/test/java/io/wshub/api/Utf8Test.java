package io.wshub.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * {@link Utf8} against the JDK's strict decoder, on explicit edge cases and then on seeded random inputs.
 *
 * <p>Seeds: each property has a fixed default seed, so every run tries the same cases. Set
 * {@code -Dwshub.test.seed=0x1234abcd} (hex with {@code 0x}, or decimal) to run every property from that seed instead,
 * or {@code -Dwshub.test.seed=random} for a fresh one. Every failure message starts with {@code seed=0x..., case=...};
 * running again with that seed replays the same cases (edge cases do not depend on the seed). Case {@code i} draws
 * from its own generator split off the seed's, so it stays the same whatever the earlier cases drew.
 */
class Utf8Test {

    /** The system property that overrides every property's default seed. */
    static final String SEED_PROPERTY = "wshub.test.seed";

    /** Random cases per property; the property-based tests these replace ran 2,000 and 500 tries. */
    static final int BYTES_CASES = 4000;
    static final int STRING_CASES = 1000;

    /** The reference: the JDK's decoder, reporting every malformed input (it resets itself on each decode). */
    private static final CharsetDecoder JDK = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);

    /** Values around the bounds a UTF-8 validator checks on a second byte (E0, ED, F0 and F4 narrow its range). */
    private static final int[] BOUNDARY_BYTES = {
        0x00, 0x41, 0x7F, 0x80, 0x81, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0,
        0xF4, 0xF5, 0xFF,
    };

    /** Third and fourth bytes: ASCII, the continuation bounds, and high bytes that are not continuations. */
    private static final int[] TAIL_BYTES = {0x41, 0x7F, 0x80, 0xBF, 0xC0, 0xFF};

    /** Code points at and around the encoding-length, surrogate and maximum bounds (some are not scalars). */
    private static final int[] BOUNDARY_CODE_POINTS = {
        0x0, 0x1, 0x7E, 0x7F, 0x80, 0x81, 0x7FE, 0x7FF, 0x800, 0x801, 0xFFF, 0x1000, 0xD7FF, 0xD800, 0xDBFF, 0xDC00,
        0xDFFF, 0xE000, 0xFEFF, 0xFFFD, 0xFFFE, 0xFFFF, 0x10000, 0x10001, 0x3FFFF, 0x40000, 0xFFFFF, 0x100000, 0x10FFFE,
        0x10FFFF, 0x110000, 0x13FFFF, 0x140000, 0x1FFFFF,
    };

    @Test
    void shouldAgreeWithTheJdkDecoderOnArbitraryBytes() {
        long seed = seed(0x0A11_B17E_5EED_0001L);
        agreeWithJdk(seed, "edge:empty", new byte[0]);
        for (int a = 0; a < 256; a++) {
            agreeWithJdk(seed, "edge:one-byte", bytes(a));
            for (int b = 0; b < 256; b++) {
                agreeWithJdk(seed, "edge:two-byte", bytes(a, b));
            }
            for (int b : BOUNDARY_BYTES) {
                for (int c : TAIL_BYTES) {
                    agreeWithJdk(seed, "edge:three-byte", bytes(a, b, c));
                    if (a >= 0xF0) {
                        for (int d : TAIL_BYTES) {
                            agreeWithJdk(seed, "edge:four-byte", bytes(a, b, c, d));
                        }
                    }
                }
            }
        }
        for (int cp : BOUNDARY_CODE_POINTS) {
            for (int length = 1; length <= 4; length++) {
                if (cp < 1 << bitsOf(length)) {
                    byte[] encoded = encode(cp, length);
                    for (int cut = 1; cut <= length; cut++) {
                        byte[] prefix = Arrays.copyOf(encoded, cut);
                        agreeWithJdk(seed, "edge:code-point-form", prefix);
                        agreeWithJdk(seed, "edge:code-point-form-in-ascii", concat(bytes('a'), prefix, bytes('z')));
                    }
                }
            }
        }
        agreeWithJdk(seed, "edge:five-byte-form", bytes(0xF8, 0x88, 0x80, 0x80, 0x80));
        agreeWithJdk(seed, "edge:six-byte-form", bytes(0xFC, 0x84, 0x80, 0x80, 0x80, 0x80));
        agreeWithJdk(seed, "edge:cesu-8-pair", bytes(0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80));

        SplittableRandom cases = new SplittableRandom(seed);
        for (int i = 0; i < BYTES_CASES; i++) {
            agreeWithJdk(seed, Integer.toString(i), randomBytes(cases.split()));
        }
    }

    @Test
    void shouldAcceptEveryEncodedString() {
        long seed = seed(0x0A11_B17E_5EED_0002L);
        acceptEncoded(seed, "edge:empty", "");
        // Every code point alone: every char (lone surrogates included) and every supplementary pair.
        for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
            acceptEncoded(seed, "edge:code-point", new String(Character.toChars(cp)));
        }
        for (int a : BOUNDARY_CODE_POINTS) {
            for (int b : BOUNDARY_CODE_POINTS) {
                if (a <= Character.MAX_CODE_POINT && b <= Character.MAX_CODE_POINT) {
                    acceptEncoded(seed, "edge:code-point-pair", new String(Character.toChars(a))
                            + new String(Character.toChars(b)));
                }
            }
        }
        acceptEncoded(seed, "edge:low-then-high-surrogate", "\uDC00\uD800");
        acceptEncoded(seed, "edge:two-high-surrogates", "\uD800\uDBFF");
        acceptEncoded(seed, "edge:high-surrogate-at-end", "ab\uD83D");
        acceptEncoded(seed, "edge:low-surrogate-at-start", "\uDE00ab");

        SplittableRandom cases = new SplittableRandom(seed);
        for (int i = 0; i < STRING_CASES; i++) {
            acceptEncoded(seed, Integer.toString(i), randomString(cases.split()));
        }
    }

    @Test
    void shouldRejectTheClassicBadSequences() {
        assertThat(Utf8.isValid(bytes(0xC0, 0xAF))).as("overlong '/'").isFalse();
        assertThat(Utf8.isValid(bytes(0xE0, 0x80, 0xAF))).as("overlong 3-byte").isFalse();
        assertThat(Utf8.isValid(bytes(0xED, 0xA0, 0x80))).as("surrogate U+D800").isFalse();
        assertThat(Utf8.isValid(bytes(0xF4, 0x90, 0x80, 0x80))).as("above U+10FFFF").isFalse();
        assertThat(Utf8.isValid(bytes(0xE2, 0x82))).as("truncated").isFalse();
        assertThat(Utf8.isValid(bytes(0xCE, 0xBA, 0xE1, 0xBD, 0xB9))).as("κό").isTrue();
        assertThat(Utf8.isValid(bytes(0xF0, 0x9F, 0x98, 0x80))).as("emoji").isTrue();
        assertThat(Utf8.isValid(ByteBuffer.allocateDirect(2).put((byte) 0xC3).put((byte) 0xA9).flip())).isTrue();
    }

    // ------------------------------------------------------------------------------------------------ checks

    private static void agreeWithJdk(long seed, String testCase, byte[] bytes) {
        boolean expected = jdkAccepts(bytes);
        checkEveryEntryPoint(bytes, expected, () -> label(seed, testCase) + ", JDK decoder "
                + (expected ? "accepts" : "rejects") + " " + hex(bytes));
    }

    private static void acceptEncoded(long seed, String testCase, String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        checkEveryEntryPoint(utf8, true, () -> label(seed, testCase) + ", encoded from " + escape(s) + " as "
                + hex(utf8));
    }

    /**
     * Checks the array, a range of a larger array and both kinds of buffer. The range sits after a 4-byte lead and
     * before three continuation bytes, so a validator that reads outside it completes a truncated sequence.
     */
    private static void checkEveryEntryPoint(byte[] bytes, boolean expected, Supplier<String> where) {
        check(Utf8.isValid(bytes), expected, where, "isValid(byte[])");
        byte[] padded = concat(bytes(0xF0), bytes, bytes(0x80, 0x80, 0x80));
        check(Utf8.isValid(padded, 1, bytes.length), expected, where, "isValid(byte[], 1, length) inside padding");
        check(Utf8.isValid(ByteBuffer.wrap(padded, 1, bytes.length)), expected, where,
                "isValid(heap ByteBuffer at position 1)");
        check(Utf8.isValid(ByteBuffer.wrap(padded, 1, bytes.length).slice()), expected, where,
                "isValid(heap ByteBuffer at array offset 1)");
        check(Utf8.isValid(ByteBuffer.allocateDirect(bytes.length).put(bytes).flip()), expected, where,
                "isValid(direct ByteBuffer)");
    }

    /** Fails with the seed and case; builds the message only then (the edge cases are many). */
    private static void check(boolean actual, boolean expected, Supplier<String> where, String call) {
        if (actual != expected) {
            fail(where.get() + ": " + call + " returned " + actual + ", expected " + expected);
        }
    }

    private static boolean jdkAccepts(byte[] bytes) {
        try {
            JDK.decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    // ------------------------------------------------------------------------------------------------ generators

    /**
     * One of: uniform bytes of length 0 to 255 (as the former generator drew), uniform bytes of length 0 to 8,
     * well-formed UTF-8 of up to 32 code points, or well-formed UTF-8 with one to three defects (overlong forms,
     * surrogates, code points above U+10FFFF, truncated sequences, stray continuation or never-valid bytes, a byte
     * replaced, the old five- and six-byte forms).
     */
    private static byte[] randomBytes(SplittableRandom r) {
        switch (r.nextInt(4)) {
            case 0:
                return randomUniform(r, r.nextInt(256));
            case 1:
                return randomUniform(r, r.nextInt(9));
            case 2:
                return join(wellFormed(r));
            default:
                List<byte[]> chunks = wellFormed(r);
                int defects = 1 + r.nextInt(3);
                for (int k = 0; k < defects; k++) {
                    addDefect(r, chunks);
                }
                return join(chunks);
        }
    }

    private static byte[] randomUniform(SplittableRandom r, int length) {
        byte[] out = new byte[length];
        r.nextBytes(out);
        return out;
    }

    /** Up to 32 encoded code points, one chunk each. */
    private static List<byte[]> wellFormed(SplittableRandom r) {
        List<byte[]> chunks = new ArrayList<>();
        int n = r.nextInt(33);
        for (int k = 0; k < n; k++) {
            int cp = randomScalar(r);
            chunks.add(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
        }
        return chunks;
    }

    private static void addDefect(SplittableRandom r, List<byte[]> chunks) {
        int at = r.nextInt(chunks.size() + 1);
        switch (r.nextInt(8)) {
            case 0: { // overlong: a code point in more bytes than it needs
                int length = 2 + r.nextInt(3);
                chunks.add(at, encode(r.nextInt(1 << bitsOf(length - 1)), length));
                break;
            }
            case 1: // a surrogate, alone or as a CESU-8 pair
                chunks.add(at, encode(0xD800 + r.nextInt(0x800), 3));
                if (r.nextBoolean()) {
                    chunks.add(at + 1, encode(0xDC00 + r.nextInt(0x400), 3));
                }
                break;
            case 2: // above U+10FFFF in the 4-byte form
                chunks.add(at, encode(0x110000 + r.nextInt(0x1FFFFF - 0x110000 + 1), 4));
                break;
            case 3: { // a multi-byte sequence cut short
                byte[] full = encode(0x80 + r.nextInt(Character.MAX_CODE_POINT - 0x80 + 1), 0);
                chunks.add(at, Arrays.copyOf(full, 1 + r.nextInt(full.length - 1)));
                break;
            }
            case 4: // a continuation byte with no lead
                chunks.add(at, bytes(0x80 + r.nextInt(0x40)));
                break;
            case 5: // a byte that never occurs in UTF-8
                chunks.add(at, bytes(r.nextBoolean() ? 0xC0 + r.nextInt(2) : 0xF5 + r.nextInt(11)));
                break;
            case 6: { // one byte replaced by any value
                byte[] all = join(chunks);
                if (all.length > 0) {
                    all[r.nextInt(all.length)] = (byte) r.nextInt(256);
                }
                chunks.clear();
                chunks.add(all);
                break;
            }
            default: // the five- and six-byte forms RFC 3629 removed
                chunks.add(at, r.nextBoolean()
                        ? bytes(0xF8 + r.nextInt(4), 0x80 + r.nextInt(0x40), 0x80, 0x80, 0x80)
                        : bytes(0xFC + r.nextInt(2), 0x80 + r.nextInt(0x40), 0x80, 0x80, 0x80, 0x80));
                break;
        }
    }

    /**
     * Up to 255 chars (the former generator's bound), each one of: any char, surrogates included (as it drew), a
     * supplementary code point as a pair, or a code point near a bound.
     */
    private static String randomString(SplittableRandom r) {
        int length = r.nextInt(256);
        StringBuilder sb = new StringBuilder(length + 1);
        while (sb.length() < length) {
            switch (r.nextInt(3)) {
                case 0:
                    sb.append((char) r.nextInt(Character.MAX_VALUE + 1));
                    break;
                case 1:
                    sb.appendCodePoint(r.nextInt(Character.MIN_SUPPLEMENTARY_CODE_POINT,
                            Character.MAX_CODE_POINT + 1));
                    break;
                default:
                    sb.appendCodePoint(nearBound(r));
                    break;
            }
        }
        return sb.toString();
    }

    /** A Unicode scalar value (no surrogate), from each encoded length alike or near a bound. */
    private static int randomScalar(SplittableRandom r) {
        switch (r.nextInt(5)) {
            case 0:
                return r.nextInt(0x80);
            case 1:
                return r.nextInt(0x80, 0x800);
            case 2: {
                int cp = r.nextInt(0x800, 0x10000 - 0x800);
                return cp < 0xD800 ? cp : cp + 0x800;
            }
            case 3:
                return r.nextInt(0x10000, Character.MAX_CODE_POINT + 1);
            default: {
                int cp = nearBound(r);
                return Character.isSurrogate((char) cp) && cp < 0x10000 ? 0xFFFD : cp;
            }
        }
    }

    /** A code point at most 2 from one of the bounds, in range (it may be a surrogate). */
    private static int nearBound(SplittableRandom r) {
        int cp = BOUNDARY_CODE_POINTS[r.nextInt(BOUNDARY_CODE_POINTS.length)] + r.nextInt(-2, 3);
        return Math.max(0, Math.min(cp, Character.MAX_CODE_POINT));
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** How many code point bits the {@code length}-byte form carries. */
    private static int bitsOf(int length) {
        return length == 1 ? 7 : 5 * length + 1;
    }

    /**
     * Encodes a value in the UTF-8 bit layout of {@code length} bytes (0: the shortest), whether or not the result is
     * well-formed: so it also writes overlong forms, surrogates and values up to 0x1FFFFF.
     */
    private static byte[] encode(int cp, int length) {
        if (length == 0) {
            length = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        }
        if (length == 1) {
            return bytes(cp);
        }
        byte[] out = new byte[length];
        for (int k = length - 1; k > 0; k--) {
            out[k] = (byte) (0x80 | (cp & 0x3F));
            cp >>>= 6;
        }
        out[0] = (byte) ((0xFF << (8 - length)) | cp);
        return out;
    }

    private static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static byte[] join(List<byte[]> chunks) {
        return concat(chunks.toArray(new byte[0][]));
    }

    private static String hex(byte[] bytes) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < bytes.length; i++) {
            sb.append(i == 0 ? "" : " ").append(String.format("%02x", bytes[i] & 0xFF));
        }
        return sb.append("] (").append(bytes.length).append(" bytes)").toString();
    }

    private static String escape(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7F) {
                sb.append(c);
            } else {
                sb.append(String.format("\\u%04x", (int) c));
            }
        }
        return sb.append('"').toString();
    }

    // ------------------------------------------------------------------------------------------------ seeds

    /** The seed to use: {@value #SEED_PROPERTY} if set, else the property's fixed default. */
    static long seed(long fixedDefault) {
        String value = System.getProperty(SEED_PROPERTY);
        if (value == null || value.isBlank()) {
            return fixedDefault;
        }
        value = value.strip();
        if (value.equalsIgnoreCase("random")) {
            return new SplittableRandom().nextLong();
        }
        if (value.startsWith("0x") || value.startsWith("0X")) {
            return Long.parseUnsignedLong(value.substring(2), 16);
        }
        return Long.parseLong(value);
    }

    static String label(long seed, String testCase) {
        return String.format("seed=0x%016x, case=%s", seed, testCase);
    }
}
