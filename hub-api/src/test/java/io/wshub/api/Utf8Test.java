package io.wshub.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class Utf8Test {

    @Property(tries = 2000)
    void shouldAgreeWithTheJdkDecoderOnArbitraryBytes(@ForAll byte[] bytes) {
        assertThat(Utf8.isValid(bytes)).isEqualTo(jdkAccepts(bytes));
    }

    @Property(tries = 500)
    void shouldAcceptEveryEncodedString(@ForAll String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        assertThat(Utf8.isValid(utf8)).isTrue();
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

    private static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    private static boolean jdkAccepts(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
