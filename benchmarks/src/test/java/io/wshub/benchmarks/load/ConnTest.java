package io.wshub.benchmarks.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ConnTest {

    private static byte[] frame(int opcode, byte[] payload) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(0x80 | opcode);
        int n = payload.length;
        if (n < 126) {
            b.write(n);
        } else if (n < 65536) {
            b.write(126);
            b.write(n >>> 8);
            b.write(n & 0xFF);
        } else {
            b.write(127);
            for (int i = 7; i >= 0; i--) {
                b.write((int) ((long) n >>> (8 * i)) & 0xFF);
            }
        }
        b.writeBytes(payload);
        return b.toByteArray();
    }

    private static byte[] payload(int size, String prefix) {
        byte[] p = new byte[size];
        java.util.Arrays.fill(p, (byte) 'x');
        byte[] pre = prefix.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(pre, 0, p, 0, pre.length);
        return p;
    }

    private static final class Recorder implements Conn.Sink {
        final List<String> data = new ArrayList<>();
        final List<String> pings = new ArrayList<>();
        int closeCode = -1;

        @Override
        public void onData(Conn c, byte[] prefix, int len) {
            data.add(new String(prefix, 0, len, StandardCharsets.US_ASCII));
        }

        @Override
        public void onPing(Conn c, byte[] d, int len) {
            pings.add(new String(d, 0, len, StandardCharsets.US_ASCII));
        }

        @Override
        public void onClose(Conn c, int code) {
            closeCode = code;
        }
    }

    @Test
    void shouldParseFramesOfEveryLengthEncodingSplitAtEveryByte() {
        String a = "0001000000000001" + "00000000000000aa";
        String b = "0001000000000002" + "00000000000000bb";
        String c = "0001000000000003" + "00000000000000cc";
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.writeBytes(frame(1, payload(64, a)));
        all.writeBytes(frame(9, "hi".getBytes(StandardCharsets.US_ASCII)));
        all.writeBytes(frame(1, payload(1024, b)));
        all.writeBytes(frame(2, payload(70_000, c)));
        all.writeBytes(frame(8, new byte[] {0x03, (byte) 0xF1}));
        byte[] bytes = all.toByteArray();
        for (int chunk : new int[] {1, 2, 3, 7, 100, bytes.length}) {
            Recorder r = new Recorder();
            Conn conn = new Conn(0, false, null, 1);
            for (int i = 0; i < bytes.length; i += chunk) {
                assertThat(conn.parse(ByteBuffer.wrap(bytes, i, Math.min(chunk, bytes.length - i)), r)).isTrue();
            }
            assertThat(r.data).containsExactly(a, b, c);
            assertThat(r.pings).containsExactly("hi");
            assertThat(r.closeCode).isEqualTo(1009);
        }
    }

    @Test
    void shouldRejectMaskedServerFrame() {
        byte[] masked = {(byte) 0x81, (byte) 0x82, 0, 0, 0, 0, 'h', 'i'};
        assertThat(new Conn(0, false, null, 1).parse(ByteBuffer.wrap(masked), new Recorder())).isFalse();
    }
}
