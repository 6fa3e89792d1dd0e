package io.wshub.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CloseCodeTest {

    @ParameterizedTest
    @ValueSource(ints = {-1, 0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535})
    void shouldRejectCodesThatMayNotAppearOnTheWire(int code) {
        assertThat(CloseCode.isValidOnWire(code)).isFalse();
        assertThatThrownBy(() -> Message.close(code, "bye"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(String.valueOf(code));
    }

    @ParameterizedTest
    @ValueSource(ints = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4000, 4999})
    void shouldAcceptCodesThatMayAppearOnTheWire(int code) {
        assertThat(CloseCode.isValidOnWire(code)).isTrue();
        Message.Close c = Message.close(code, "bye");
        assertThat(c.code()).isEqualTo(code);
        assertThat(c.reason()).isEqualTo("bye");
        assertThat(Message.Close.decode(c.payload())).isEqualTo(c);
    }

    @Test
    void shouldNameTheRfcCodes() {
        assertThat(CloseCode.NORMAL_CLOSURE.code()).isEqualTo(1000);
        assertThat(CloseCode.MESSAGE_TOO_BIG.code()).isEqualTo(1009);
        assertThat(CloseCode.of(1007)).contains(CloseCode.INVALID_PAYLOAD);
        assertThat(CloseCode.of(4000)).isEmpty();
        assertThat(CloseCode.NO_STATUS_RECEIVED.mayAppearOnWire()).isFalse();
        assertThat(CloseCode.ABNORMAL_CLOSURE.mayAppearOnWire()).isFalse();
        assertThat(CloseCode.TLS_HANDSHAKE.mayAppearOnWire()).isFalse();
        assertThat(CloseCode.TRY_AGAIN_LATER.mayAppearOnWire()).isTrue();
    }

    @Test
    void shouldDecodeReceivedCloseFramesStrictly() {
        assertThat(Message.Close.decode(ByteBuffer.allocate(0)).code()).isEqualTo(1005);
        assertThatThrownBy(() -> Message.Close.decode(ByteBuffer.wrap(new byte[] {3})))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 byte");
        assertThatThrownBy(() -> Message.Close.decode(ByteBuffer.wrap(new byte[] {0x03, (byte) 0xED})))
                .as("1005 may not be sent").isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Message.Close.decode(ByteBuffer.wrap(new byte[] {0x03, (byte) 0xE8, (byte) 0xFF})))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("UTF-8");
        ByteBuffer buf = ByteBuffer.wrap(new byte[] {0x03, (byte) 0xE9, 'o', 'k'});
        Message.Close c = Message.Close.decode(buf);
        assertThat(c.code()).isEqualTo(1001);
        assertThat(c.reason()).isEqualTo("ok");
        assertThat(buf.position()).as("decode does not move the buffer").isZero();
    }
}
