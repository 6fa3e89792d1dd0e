package io.wshub.examples;

/**
 * Writes a string as a JSON string literal (RFC 8259 §7), so that any text a client sends can travel inside the chat's
 * JSON frames and come out of {@code JSON.parse} exactly as it went in.
 *
 * <p>Escaped: {@code "} and {@code \}; every control character U+0000 to U+001F ({@code \b \f \n \r \t} by name, the
 * others as {@code \}{@code u00XX}); U+2028 and U+2029 (valid in JSON, but line terminators to older JavaScript); and
 * a lone surrogate as {@code \}{@code uXXXX}, so it is neither lost nor turned into invalid UTF-8. Everything else,
 * characters outside the Basic Multilingual Plane included (a surrogate pair), is copied as it is; the message's UTF-8
 * encoding carries it.
 *
 * <p>Thread-safety: stateless; any thread.
 */
public final class JsonStrings {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private JsonStrings() {
    }

    /**
     * Returns a string as a JSON string literal, quotes included.
     *
     * @param text the text; not null
     * @return the literal, such as {@code "say \"hi\"\n"}; never null
     */
    public static String quote(CharSequence text) {
        return appendQuoted(new StringBuilder(text.length() + 16), text).toString();
    }

    /**
     * Appends a string as a JSON string literal, quotes included.
     *
     * @param out where to append; not null
     * @param text the text; not null
     * @return {@code out}
     */
    public static StringBuilder appendQuoted(StringBuilder out, CharSequence text) {
        out.append('"');
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == '\u2028' || c == '\u2029') {
                        appendUnicodeEscape(out, c);
                    } else if (Character.isHighSurrogate(c) && i + 1 < n
                            && Character.isLowSurrogate(text.charAt(i + 1))) {
                        out.append(c).append(text.charAt(++i)); // a pair: one character beyond the BMP
                    } else if (Character.isSurrogate(c)) {
                        appendUnicodeEscape(out, c); // alone, it has no UTF-8 encoding
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"');
    }

    private static void appendUnicodeEscape(StringBuilder out, char c) {
        out.append("\\u").append(HEX[(c >> 12) & 0xF]).append(HEX[(c >> 8) & 0xF]).append(HEX[(c >> 4) & 0xF])
                .append(HEX[c & 0xF]);
    }
}
