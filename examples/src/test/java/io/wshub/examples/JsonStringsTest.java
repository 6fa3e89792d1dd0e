package io.wshub.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class JsonStringsTest {

    @Test
    void shouldQuoteTextThatNeedsNoEscaping() {
        assertThat(JsonStrings.quote("")).isEqualTo("\"\"");
        assertThat(JsonStrings.quote("hello, world <b>&</b> 'x' / ~")).isEqualTo("\"hello, world <b>&</b> 'x' / ~\"");
    }

    @Test
    void shouldEscapeQuotesAndBackslashes() {
        assertThat(JsonStrings.quote("say \"hi\"")).isEqualTo("\"say \\\"hi\\\"\"");
        assertThat(JsonStrings.quote("C:\\dir\\")).isEqualTo("\"C:\\\\dir\\\\\"");
        assertThat(JsonStrings.quote("\\\"")).isEqualTo("\"\\\\\\\"\"");
    }

    @Test
    void shouldEscapeEveryControlCharacter() {
        assertThat(JsonStrings.quote("\b\f\n\r\t")).isEqualTo("\"\\b\\f\\n\\r\\t\"");
        assertThat(JsonStrings.quote("\u0000\u0001\u001f")).isEqualTo("\"\\u0000\\u0001\\u001f\"");
        for (char c = 0; c < 0x20; c++) {
            String quoted = JsonStrings.quote(String.valueOf(c));
            assertThat(quoted).as("U+%04X", (int) c).startsWith("\"\\").hasSizeBetween(4, 8)
                    .doesNotContain(String.valueOf(c));
        }
        assertThat(JsonStrings.quote("\u007f")).isEqualTo("\"\u007f\""); // DEL is not a JSON control character
    }

    @Test
    void shouldEscapeTheJavaScriptLineTerminators() {
        assertThat(JsonStrings.quote("a\u2028b\u2029c")).isEqualTo("\"a\\u2028b\\u2029c\"");
    }

    @Test
    void shouldKeepCharactersBeyondTheBasicPlaneAsTheyAre() {
        String emoji = "\uD83D\uDE00 and \uD834\uDD1E"; // U+1F600, U+1D11E
        assertThat(JsonStrings.quote(emoji)).isEqualTo("\"" + emoji + "\"");
        assertThat(JsonStrings.quote("é ü ß 中文")).isEqualTo("\"é ü ß 中文\"");
    }

    @Test
    void shouldEscapeALoneSurrogate() {
        assertThat(JsonStrings.quote("a\uD83Db")).isEqualTo("\"a\\ud83db\"");
        assertThat(JsonStrings.quote("\uDE00")).isEqualTo("\"\\ude00\"");
        assertThat(JsonStrings.quote("\uD83D")).isEqualTo("\"\\ud83d\"");
        assertThat(JsonStrings.quote("\uDE00\uD83D")).isEqualTo("\"\\ude00\\ud83d\"");
    }

    @Test
    void shouldAppendToWhatIsAlreadyThere() {
        StringBuilder out = new StringBuilder("{\"data\":");
        assertThat(JsonStrings.appendQuoted(out, "x\ny").append('}').toString()).isEqualTo("{\"data\":\"x\\ny\"}");
    }
}
