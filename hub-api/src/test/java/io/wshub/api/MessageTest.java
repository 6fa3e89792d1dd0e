package io.wshub.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MessageTest {

    @Test
    void shouldEncodeTextOnceAndDecodeOnDemand() {
        Message.Text t = Message.text("héllo €");
        assertThat(t.kind()).isEqualTo(Message.Kind.TEXT);
        assertThat(t.copyPayload()).isEqualTo("héllo €".getBytes(StandardCharsets.UTF_8));
        assertThat(t.asString()).isEqualTo("héllo €");

        Message.Text fromWire = Message.textUtf8("héllo €".getBytes(StandardCharsets.UTF_8));
        assertThat(fromWire.asString()).isEqualTo("héllo €");
        assertThat(fromWire).isEqualTo(t);
        assertThat(fromWire.hashCode()).isEqualTo(t.hashCode());
    }

    @Test
    void shouldRejectInvalidUtf8Text() {
        assertThatThrownBy(() -> Message.textUtf8(new byte[] {(byte) 0xC3, (byte) 0x28}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("UTF-8");
    }

    @Test
    void shouldCopyInputSoCallerMutationDoesNotLeakIn() {
        byte[] data = {1, 2, 3};
        Message.Binary b = Message.binary(data);
        data[0] = 9;
        assertThat(b.copyPayload()).containsExactly(1, 2, 3);
    }

    @Test
    void shouldExposeReadOnlyIndependentViews() {
        Message.Binary b = Message.binary(new byte[] {1, 2, 3});
        ByteBuffer p1 = b.payload();
        ByteBuffer p2 = b.payload();
        assertThat(p1.isReadOnly()).isTrue();
        assertThatThrownBy(() -> p1.put(0, (byte) 7)).isInstanceOf(ReadOnlyBufferException.class);
        p1.get();
        assertThat(p2.position()).isZero();
        assertThat(p2.remaining()).isEqualTo(3);
        assertThat(b.wireFrame().isReadOnly()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 125, 126, 65535, 65536, 1 << 20})
    void shouldEncodeWireFrameHeaderForEveryLengthClass(int length) {
        byte[] data = new byte[length];
        Arrays.fill(data, (byte) 'x');
        Message.Binary b = Message.binary(data);
        ByteBuffer f = b.wireFrame();
        int header = length <= 125 ? 2 : length <= 65535 ? 4 : 10;
        assertThat(f.remaining()).isEqualTo(header + length).isEqualTo(b.wireFrameLength());
        assertThat(f.get(0) & 0xFF).isEqualTo(0x82); // FIN + binary
        int b1 = f.get(1) & 0xFF;
        assertThat(b1 & 0x80).as("server frames are unmasked").isZero();
        long decoded;
        if (header == 2) {
            decoded = b1;
        } else if (header == 4) {
            assertThat(b1).isEqualTo(126);
            decoded = f.getShort(2) & 0xFFFF;
        } else {
            assertThat(b1).isEqualTo(127);
            decoded = f.getLong(2);
        }
        assertThat(decoded).isEqualTo(length);
        assertThat(b.payloadLength()).isEqualTo(length);
        ByteBuffer p = b.payload();
        assertThat(p.remaining()).isEqualTo(length);
    }

    @Test
    void shouldRejectControlPayloadOver125Bytes() {
        assertThat(Message.ping(new byte[125]).payloadLength()).isEqualTo(125);
        assertThatThrownBy(() -> Message.ping(new byte[126]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("125");
        assertThatThrownBy(() -> Message.pong(new byte[126]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("125");
        assertThatThrownBy(() -> Message.close(1000, "x".repeat(124)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("123");
        assertThat(Message.close(1000, "x".repeat(123)).payloadLength()).isEqualTo(125);
    }

    @Test
    void shouldUseControlOpcodes() {
        assertThat(Message.ping(new byte[0]).wireFrame().get(0) & 0xFF).isEqualTo(0x89);
        assertThat(Message.pong(new byte[0]).wireFrame().get(0) & 0xFF).isEqualTo(0x8A);
        assertThat(Message.close(CloseCode.GOING_AWAY, "").wireFrame().get(0) & 0xFF).isEqualTo(0x88);
        assertThat(Message.text("").wireFrame().get(0) & 0xFF).isEqualTo(0x81);
        assertThat(Message.Kind.PING.isControl()).isTrue();
        assertThat(Message.Kind.TEXT.isControl()).isFalse();
    }

    @Test
    void shouldNotCacheLossyDecodingForUnpairedSurrogates() {
        Message.Text t = Message.text("a\uD800b");
        assertThat(t.asString()).isEqualTo("a?b");
        assertThat(Message.text("\uD83D\uDE00").asString()).isEqualTo("\uD83D\uDE00");
    }
}
