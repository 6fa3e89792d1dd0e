package io.wshub.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wshub.testkit.RawWebSocketClient.Frame;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.opentest4j.AssertionFailedError;

/** The raw client's framing and the environment's failure collection. */
class ClientAndEnvironmentTest {

    @Test
    @Timeout(10)
    void acceptKeyMatchesTheRfcExample() {
        // RFC 6455 §1.3
        assertThat(RawWebSocketClient.acceptFor("dGhlIHNhbXBsZSBub25jZQ==")).isEqualTo("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    }

    @Test
    @Timeout(10)
    void encodesEveryLengthFormAndTheHeaderBits() {
        byte[] small = RawWebSocketClient.encode(new Frame(false, 5, 0x2, false, new byte[125]));
        assertThat(small[0] & 0xFF).isEqualTo(0x52);
        assertThat(small[1] & 0xFF).isEqualTo(125);
        assertThat(small).hasSize(2 + 125);
        byte[] medium = RawWebSocketClient.encode(Frame.of(0x1, new byte[126]));
        assertThat(medium[1] & 0xFF).isEqualTo(0x80 | 126);
        assertThat(((medium[2] & 0xFF) << 8) | (medium[3] & 0xFF)).isEqualTo(126);
        assertThat(medium).hasSize(4 + 4 + 126);
        byte[] large = RawWebSocketClient.encode(new Frame(true, 0, 0x2, false, new byte[65536]));
        assertThat(large[1] & 0xFF).isEqualTo(127);
        assertThat(Arrays.copyOfRange(large, 2, 10)).containsExactly(0, 0, 0, 0, 0, 1, 0, 0);
    }

    @Test
    @Timeout(20)
    void readsFramesAcrossPartialWritesAndReportsTheTcpClose() throws Exception {
        try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             RawWebSocketClient c = RawWebSocketClient.connect(URI.create("ws://127.0.0.1:" + ss.getLocalPort()
                     + "/ws"), Duration.ofSeconds(5));
             Socket peer = ss.accept()) {
            OutputStream out = peer.getOutputStream();
            byte[] frame = RawWebSocketClient.encode(new Frame(true, 0, 0x1, false, "hello".getBytes()));
            out.write(frame, 0, 3);
            out.flush();
            assertThat(c.readFrame(Duration.ofMillis(100))).as("incomplete frame").isNull();
            out.write(frame, 3, frame.length - 3);
            out.write(new byte[] {(byte) 0x88, 2, 0x03, (byte) 0xE9});
            out.flush();
            assertThat(c.readFrame(Duration.ofSeconds(5)).text()).isEqualTo("hello");
            peer.shutdownOutput();
            RawWebSocketClient.CloseResult r = c.awaitClose(Duration.ofSeconds(5));
            assertThat(r.code()).isEqualTo(1001);
            assertThat(r.tcpClosed()).isTrue();
        }
    }

    @Test
    @Timeout(10)
    void failuresOnOtherThreadsAreRaisedOnTheTestThread() {
        VerificationEnvironment env = new VerificationEnvironment(Duration.ofSeconds(5));
        env.spawn("failing", () -> {
            throw new IllegalStateException("from another thread");
        });
        assertThatThrownBy(env::close).isInstanceOf(AssertionFailedError.class)
                .hasRootCauseMessage("from another thread");
    }

    @Test
    @Timeout(10)
    void awaitConditionFailsAfterItsTimeout() {
        try (VerificationEnvironment env = new VerificationEnvironment()) {
            assertThatThrownBy(() -> env.awaitCondition(() -> false, Duration.ofMillis(50), () -> "never"))
                    .isInstanceOf(AssertionFailedError.class).hasMessageContaining("never");
        }
    }
}
