package io.wshub.api.spi;

import static org.assertj.core.api.Assertions.assertThat;

import io.wshub.api.ServerConfig;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The kernel's keepalive decisions, in memory, on synthetic clocks: pings, the idle timeout, the close timeout. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class KeepaliveTest {

    private static final long MS = 1_000_000L;

    private static Keepalive keepalive(long pingMs, long idleMs, long closeMs) {
        return new Keepalive(ServerConfig.builder().pingInterval(Duration.ofMillis(pingMs))
                .idleTimeout(Duration.ofMillis(idleMs)).closeTimeout(Duration.ofMillis(closeMs)).build());
    }

    private static LifecycleSessionTest.MemorySession session() {
        LifecycleSessionTest.MemorySession s =
                new LifecycleSessionTest.MemorySession(new LifecycleSessionTest.Recorder());
        s.opened();
        return s;
    }

    @Test
    void shouldPingOncePerIntervalAndRecordThePing() {
        long t0 = System.nanoTime();
        LifecycleSessionTest.MemorySession s = session();
        Keepalive k = keepalive(100, 0, 1000);
        assertThat(k.check(s, t0 + 50 * MS)).isEqualTo(Keepalive.Action.NONE);
        long ping = System.nanoTime() + 100 * MS;
        assertThat(k.check(s, ping)).isEqualTo(Keepalive.Action.PING);
        assertThat(k.check(s, ping + 10 * MS)).as("recorded as sent").isEqualTo(Keepalive.Action.NONE);
        assertThat(k.check(s, ping + 100 * MS)).isEqualTo(Keepalive.Action.PING);
        assertThat(k.nanosUntilNextCheck(s, ping + 100 * MS)).isEqualTo(100 * MS);
    }

    @Test
    void shouldCloseAnIdleSessionWith1001UnlessSomethingArrived() {
        LifecycleSessionTest.MemorySession s = session();
        Keepalive k = keepalive(0, 300, 10_000);
        s.activity();
        long now = System.nanoTime();
        assertThat(k.check(s, now + 200 * MS)).isEqualTo(Keepalive.Action.NONE);
        assertThat(k.nanosUntilNextCheck(s, now)).isBetween(200 * MS, 300 * MS);
        assertThat(k.check(s, System.nanoTime() + 300 * MS)).isEqualTo(Keepalive.Action.IDLE_CLOSED);
        assertThat(s.isOpen()).isFalse();
        assertThat(s.closesSent).extracting(c -> c.code()).containsExactly(1001);
        assertThat(s.closeReason()).isEqualTo("idle timeout");
    }

    @Test
    void shouldDropAConnectionWhoseCloseIsNotAnsweredWithinTheCloseTimeout() {
        LifecycleSessionTest.MemorySession s = session();
        Keepalive k = keepalive(100, 300, 2_000);
        s.close(4000, "bye");
        long now = System.nanoTime();
        assertThat(k.check(s, now + 500 * MS)).as("no ping or idle close while closing")
                .isEqualTo(Keepalive.Action.NONE);
        assertThat(k.nanosUntilNextCheck(s, now)).isBetween(1_000 * MS, 2_000 * MS);
        assertThat(k.check(s, System.nanoTime() + 2_000 * MS)).isEqualTo(Keepalive.Action.CLOSE_TIMED_OUT);
    }

    @Test
    void shouldDecideNothingForAPeerCloseAndNothingWhenTurnedOff() {
        LifecycleSessionTest.MemorySession s = session();
        Keepalive off = keepalive(0, 0, 1_000);
        assertThat(off.nanosUntilNextCheck(s, System.nanoTime())).isEqualTo(Long.MAX_VALUE);
        assertThat(off.check(s, System.nanoTime() + 3_600_000 * MS)).isEqualTo(Keepalive.Action.NONE);
        s.peerClosed(io.wshub.api.Message.close(1000, ""));
        assertThat(keepalive(100, 300, 1_000).check(s, System.nanoTime() + 3_600_000 * MS))
                .as("the peer's close: the transport answers and closes, no timeout of ours")
                .isEqualTo(Keepalive.Action.NONE);
    }

    @Test
    void shouldSweepAtAQuarterOfTheShortestTimeBetween10MsAnd1s() {
        assertThat(keepalive(20_000, 60_000, 5_000).sweepNanos()).isEqualTo(1_000 * MS);
        assertThat(keepalive(200, 0, 2_000).sweepNanos()).isEqualTo(100 * MS);
        assertThat(keepalive(0, 1_000, 2_000).sweepNanos()).isEqualTo(250 * MS);
        assertThat(keepalive(0, 0, 20).sweepNanos()).isEqualTo(10 * MS);
    }
}
