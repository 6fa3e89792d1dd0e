package io.wshub.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wshub.api.spi.ServerCounters;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ServerCountersTest {

    @Test
    void shouldCountTrackedCodesOnTheirOwnAndTheRestAsOther() {
        ServerCounters c = new ServerCounters();
        c.handshakeRejected(403);
        c.handshakeRejected(403);
        c.handshakeRejected(418);
        c.closed(1000);
        c.closed(1006);
        c.closed(4000);
        ServerStats s = c.snapshot(0, List.of());
        assertThat(s.handshakesRejected().count(403)).isEqualTo(2);
        assertThat(s.handshakesRejected().count(400)).isZero();
        assertThat(s.handshakesRejected().other()).isEqualTo(1);
        assertThat(s.handshakesRejected().total()).isEqualTo(3);
        assertThat(s.handshakesRejected().tracks(418)).isFalse();
        assertThat(s.closes().count(1000)).isEqualTo(1);
        assertThat(s.closes().count(1006)).isEqualTo(1);
        assertThat(s.closes().other()).isEqualTo(1);
        assertThat(s.closes().toString()).isEqualTo("{1000=1, 1006=1, other=1}");
        assertThatThrownBy(() -> s.closes().count(4000)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not tracked");
        assertThat(s.handshakesRejected().codes()).containsExactly(ints(ServerCounters.HANDSHAKE_STATUSES));
        assertThat(s.closes().codes()).containsExactly(ints(ServerCounters.CLOSE_CODES));
    }

    @Test
    void shouldSumMessagesAndBytesAndTakeTheLargestQueue() {
        ServerCounters c = new ServerCounters();
        c.handshakeAccepted();
        c.messageIn(5);
        c.messageIn(7);
        c.messageOut(100);
        TestSession a = new TestSession(1, 16);
        TestSession b = new TestSession(2, 16);
        a.offer(Message.text("abc"));
        b.offer(Message.text("abcdef"));
        b.offer(Message.text("xy"));
        ServerStats s = c.snapshot(2, List.of(a, b));
        assertThat(s.connections()).isEqualTo(2);
        assertThat(s.handshakesAccepted()).isEqualTo(1);
        assertThat(s.messagesIn()).isEqualTo(2);
        assertThat(s.bytesIn()).isEqualTo(12);
        assertThat(s.messagesOut()).isEqualTo(1);
        assertThat(s.bytesOut()).isEqualTo(100);
        assertThat(s.queuedMessages()).isEqualTo(a.queuedMessages() + b.queuedMessages());
        assertThat(s.queuedBytes()).isEqualTo(a.queuedBytes() + b.queuedBytes());
        assertThat(s.largestQueueMessages()).isEqualTo(b.queuedMessages());
        assertThat(s.largestQueueBytes()).isEqualTo(b.queuedBytes());
    }

    @Test
    void shouldRefuseMalformedCodeCounts() {
        assertThatThrownBy(() -> CodeCounts.of(new int[] {2, 1}, new long[3]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ascending");
        assertThatThrownBy(() -> CodeCounts.of(new int[] {1}, new long[1]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 elements");
        assertThatThrownBy(() -> CodeCounts.of(new int[] {1}, new long[] {0, -1}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("negative");
        assertThat(CodeCounts.of(new int[] {1}, new long[] {2, 3}))
                .isEqualTo(CodeCounts.of(new int[] {1}, new long[] {2, 3}))
                .isNotEqualTo(CodeCounts.of(new int[] {1}, new long[] {2, 4}));
    }

    @Test
    void shouldNotPretendToCountWhenAServerDoesNot() {
        RunningServer quiet = new RunningServer() {
            @Override
            public String transportName() {
                return "quiet";
            }

            @Override
            public InetSocketAddress address() {
                return new InetSocketAddress("127.0.0.1", 1);
            }

            @Override
            public URI uri() {
                return URI.create("ws://127.0.0.1:1/ws");
            }

            @Override
            public int sessionCount() {
                return 0;
            }

            @Override
            public void stop() {
            }
        };
        assertThat(quiet.supportsStats()).isFalse();
        assertThatThrownBy(quiet::stats).isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("quiet");
    }

    private static int[] ints(List<Integer> list) {
        return list.stream().mapToInt(Integer::intValue).toArray();
    }
}
