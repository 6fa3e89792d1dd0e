package io.wshub.api.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wshub.api.CloseCode;
import io.wshub.api.Message;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The kernel's frame decoder, in memory: bytes in, events out, no socket. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FrameDecoderTest {

    private static final byte[] MASK = {0x37, (byte) 0xfa, 0x21, 0x3d};

    /** Records what the decoder reports, as readable strings and the messages themselves. */
    private static final class Events implements FrameDecoder.Handler {
        final List<String> events = new ArrayList<>();
        final List<Message> messages = new ArrayList<>();

        @Override
        public void onMessage(Message message) {
            messages.add(message);
            events.add(message.kind() + ":" + (message instanceof Message.Text t ? t.asString()
                    : message.payload().remaining() + " bytes"));
        }

        @Override
        public void onPing(Message.Ping ping) {
            events.add("PING:" + ping.payload().remaining());
        }

        @Override
        public void onPong(Message.Pong pong) {
            events.add("PONG:" + pong.payload().remaining());
        }

        @Override
        public void onClose(Message.Close close) {
            events.add("CLOSE:" + close.code() + ":" + close.reason());
        }

        @Override
        public void onError(CloseCode code, String reason) {
            events.add("ERROR:" + code.code());
        }
    }

    /** Encodes a client frame: masked unless told otherwise, with the shortest length encoding. */
    static byte[] frame(boolean fin, int opcode, byte[] payload, boolean masked, int rsv) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write((fin ? 0x80 : 0) | (rsv << 4) | opcode);
        int mask = masked ? 0x80 : 0;
        if (payload.length < 126) {
            out.write(mask | payload.length);
        } else if (payload.length < 65536) {
            out.write(mask | 126);
            out.write(payload.length >>> 8);
            out.write(payload.length & 0xff);
        } else {
            out.write(mask | 127);
            for (int i = 7; i >= 0; i--) {
                out.write((int) ((long) payload.length >>> (8 * i)) & 0xff);
            }
        }
        if (masked) {
            out.writeBytes(MASK);
            for (int i = 0; i < payload.length; i++) {
                out.write(payload[i] ^ MASK[i & 3]);
            }
        } else {
            out.writeBytes(payload);
        }
        return out.toByteArray();
    }

    static byte[] frame(boolean fin, int opcode, byte[] payload) {
        return frame(fin, opcode, payload, true, 0);
    }

    static byte[] text(String s) {
        return frame(true, 0x1, s.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static Events decode(int max, byte[] bytes) {
        Events e = new Events();
        FrameDecoder d = new FrameDecoder(max);
        ByteBuffer b = ByteBuffer.wrap(bytes);
        d.decode(b, e);
        assertThat(b.hasRemaining()).as("every byte consumed").isFalse();
        return e;
    }

    /** Feeds one byte at a time: the decoder must keep every partial header and payload across calls. */
    private static Events decodeByteByByte(int max, byte[] bytes) {
        Events e = new Events();
        FrameDecoder d = new FrameDecoder(max);
        for (byte x : bytes) {
            d.decode(ByteBuffer.wrap(new byte[] {x}), e);
        }
        return e;
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {0, 1, 125, 126, 127, 65535, 65536, 100_000})
    void shouldDecodeEveryLengthEncodingWholeAndByteByByte(int length) {
        byte[] payload = new byte[length];
        for (int i = 0; i < length; i++) {
            payload[i] = (byte) (i * 31);
        }
        byte[] wire = frame(true, 0x2, payload);
        for (Events e : List.of(decode(1 << 20, wire), decodeByteByByte(1 << 20, wire))) {
            assertThat(e.messages).hasSize(1);
            ByteBuffer got = e.messages.get(0).payload();
            byte[] bytes = new byte[got.remaining()];
            got.get(bytes);
            assertThat(bytes).isEqualTo(payload);
        }
    }

    @Test
    void shouldAssembleFragmentsWithControlFramesBetweenThem() {
        byte[] wire = concat(frame(false, 0x1, "hel".getBytes(StandardCharsets.UTF_8)),
                frame(true, 0x9, new byte[3]),
                frame(false, 0x0, "lo ".getBytes(StandardCharsets.UTF_8)),
                frame(true, 0xA, new byte[0]),
                frame(true, 0x0, "world".getBytes(StandardCharsets.UTF_8)),
                text("next"));
        assertThat(decode(1024, wire).events).containsExactly("PING:3", "PONG:0", "TEXT:hello world", "TEXT:next");
        assertThat(decodeByteByByte(1024, wire).events).containsExactly("PING:3", "PONG:0", "TEXT:hello world",
                "TEXT:next");
    }

    @Test
    void shouldAcceptACodePointSplitAcrossFragments() {
        byte[] euro = "€".getBytes(StandardCharsets.UTF_8);
        byte[] wire = concat(frame(false, 0x1, Arrays.copyOfRange(euro, 0, 1)),
                frame(true, 0x0, Arrays.copyOfRange(euro, 1, 3)));
        assertThat(decode(16, wire).events).containsExactly("TEXT:€");
    }

    @Test
    void shouldFailWith1007ForTextThatIsNotUtf8() {
        byte[] wire = frame(true, 0x1, new byte[] {(byte) 0xc3, 0x28});
        assertThat(decode(16, wire).events).containsExactly("ERROR:1007");
    }

    @Test
    void shouldFailWith1009FromTheHeaderBeforeBufferingThePayload() {
        FrameDecoder d = new FrameDecoder(100);
        Events e = new Events();
        byte[] wire = frame(true, 0x2, new byte[101]);
        // Only the header: the decision needs no payload byte.
        d.decode(ByteBuffer.wrap(wire, 0, 8), e);
        assertThat(e.events).containsExactly("ERROR:1009");
        assertThat(d.failed()).isTrue();
        assertThat(decode(100, frame(true, 0x2, new byte[100])).events).containsExactly("BINARY:100 bytes");
    }

    @Test
    void shouldCountTheLimitOverAllFragments() {
        byte[] wire = concat(frame(false, 0x2, new byte[60]), frame(true, 0x0, new byte[41]));
        assertThat(decode(100, wire).events).containsExactly("ERROR:1009");
    }

    @Test
    void shouldFailWith1002ForEachProtocolViolation() {
        byte[] longPing = new byte[126];
        List<byte[]> violations = List.of(
                frame(true, 0x1, "x".getBytes(StandardCharsets.UTF_8), false, 0), // unmasked
                frame(true, 0x1, "x".getBytes(StandardCharsets.UTF_8), true, 4), // RSV1
                frame(true, 0x3, new byte[0]), // reserved data opcode
                frame(true, 0xB, new byte[0]), // reserved control opcode
                frame(false, 0x9, new byte[0]), // fragmented control frame
                frame(true, 0x9, longPing), // control frame above 125 bytes
                frame(true, 0x0, new byte[1]), // continuation of nothing
                concat(frame(false, 0x1, new byte[] {'a'}), text("b")), // new message inside a fragmented one
                frame(true, 0x8, new byte[] {0x03}), // one-byte close payload
                frame(true, 0x8, new byte[] {0x03, (byte) 0xed}), // close code 1005 may not be sent
                frame(true, 0x8, new byte[] {0x03, (byte) 0xe8, (byte) 0xff}), // reason not UTF-8
                new byte[] {(byte) 0x82, (byte) 0xff, (byte) 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4}); // 64-bit MSB
        for (byte[] wire : violations) {
            assertThat(decode(1 << 16, wire).events).as(Arrays.toString(wire)).containsExactly("ERROR:1002");
        }
    }

    @Test
    void shouldReportCloseFramesWithTheirCodeAndReasonAndAnEmptyOneAs1005() {
        byte[] withReason = concat(new byte[] {0x0f, (byte) 0xa0}, "bye".getBytes(StandardCharsets.UTF_8)); // 4000
        assertThat(decode(16, frame(true, 0x8, withReason)).events).containsExactly("CLOSE:4000:bye");
        assertThat(decode(16, frame(true, 0x8, new byte[] {0x03, (byte) 0xef})).events)
                .containsExactly("CLOSE:1007:");
        assertThat(decode(16, frame(true, 0x8, new byte[0])).events).containsExactly("CLOSE:1005:");
    }

    @Test
    void shouldDiscardEverythingAfterTheFirstError() {
        FrameDecoder d = new FrameDecoder(16);
        Events e = new Events();
        ByteBuffer b = ByteBuffer.wrap(concat(frame(true, 0x3, new byte[0]), text("ignored")));
        d.decode(b, e);
        d.decode(ByteBuffer.wrap(text("also ignored")), e);
        assertThat(e.events).containsExactly("ERROR:1002");
        assertThat(b.hasRemaining()).isFalse();
    }

    @Test
    void shouldSayWhenItIsBetweenMessages() {
        FrameDecoder d = new FrameDecoder(16);
        Events e = new Events();
        assertThat(d.idle()).isTrue();
        byte[] wire = text("abc");
        d.decode(ByteBuffer.wrap(wire, 0, 3), e);
        assertThat(d.idle()).isFalse();
        d.decode(ByteBuffer.wrap(wire, 3, wire.length - 3), e);
        assertThat(d.idle()).isTrue();
        d.decode(ByteBuffer.wrap(frame(false, 0x1, new byte[] {'a'})), e);
        assertThat(d.idle()).as("inside a fragmented message").isFalse();
    }

    @Test
    void shouldRejectANonPositiveLimit() {
        assertThatThrownBy(() -> new FrameDecoder(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxMessageSize");
    }
}
