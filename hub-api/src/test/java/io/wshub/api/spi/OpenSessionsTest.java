package io.wshub.api.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The kernel's part of a graceful stop, in memory: 1001 to everyone, a bounded wait, the rest handed back. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class OpenSessionsTest {

    private static LifecycleSessionTest.MemorySession open() {
        LifecycleSessionTest.MemorySession s =
                new LifecycleSessionTest.MemorySession(new LifecycleSessionTest.Recorder());
        s.opened();
        return s;
    }

    @Test
    void shouldClose1001AndReturnAtOnceWhenEverySessionEnds() throws Exception {
        OpenSessions<LifecycleSessionTest.MemorySession> sessions = new OpenSessions<>();
        LifecycleSessionTest.MemorySession a = open();
        LifecycleSessionTest.MemorySession b = open();
        sessions.add(a);
        sessions.add(b);
        Thread transport = new Thread(() -> {
            // the transport: each connection ends once its close went out
            for (int i = 0; i < 2_000 && !sessions.isEmpty(); i++) {
                for (LifecycleSessionTest.MemorySession s : sessions) {
                    if (!s.closesSent.isEmpty()) {
                        s.connectionClosed();
                        sessions.remove(s);
                    }
                }
                Thread.onSpinWait();
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        transport.start();
        long started = System.nanoTime();
        List<LifecycleSessionTest.MemorySession> left = sessions.closeAll(Duration.ofSeconds(10));
        assertThat(left).isEmpty();
        assertThat(System.nanoTime() - started).as("woken by the removals, not the timeout")
                .isLessThan(TimeUnit.SECONDS.toNanos(9));
        assertThat(a.closesSent).extracting(c -> c.code()).containsExactly(1001);
        assertThat(b.closeReason()).isEqualTo("server shutting down");
        transport.join(5_000);
    }

    @Test
    void shouldHandBackTheSessionsStillOpenAtTheDeadline() {
        OpenSessions<LifecycleSessionTest.MemorySession> sessions = new OpenSessions<>();
        LifecycleSessionTest.MemorySession stuck = open();
        sessions.add(stuck);
        assertThat(sessions.closeAll(Duration.ofMillis(50))).containsExactly(stuck);
        assertThat(stuck.closesSent).extracting(c -> c.code()).containsExactly(1001);
        assertThat(sessions.remove(stuck)).isTrue();
        assertThat(sessions.remove(stuck)).isFalse();
        assertThat(sessions.size()).isZero();
    }
}
