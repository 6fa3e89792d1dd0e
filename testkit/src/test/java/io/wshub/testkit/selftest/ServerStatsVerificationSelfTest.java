package io.wshub.testkit.selftest;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wshub.api.Endpoint;
import io.wshub.api.HandshakePolicy;
import io.wshub.api.RunningServer;
import io.wshub.api.ServerConfig;
import io.wshub.api.ServerStats;
import io.wshub.api.spi.ServerCounters;
import io.wshub.testkit.ServerStatsVerification;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.opentest4j.TestAbortedException;

/** The stats rules skip a server that does not count, and fail one that says it counts but does not. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ServerStatsVerificationSelfTest {

    /** The test server, which counts nothing; {@code claimsStats} makes it say it does, with stats stuck at zero. */
    static final class Suite extends ServerStatsVerification {
        private final boolean claimsStats;

        Suite(boolean claimsStats) {
            this.claimsStats = claimsStats;
        }

        @Override
        protected RunningServer startServer(ServerConfig config, Endpoint endpoint, HandshakePolicy policy)
                throws Exception {
            RunningServer inner = BlockingTestServer.start(config, endpoint, policy,
                    EnumSet.noneOf(BlockingTestServer.Breakage.class));
            return claimsStats ? new StuckStats(inner) : inner;
        }

        @Override
        protected Duration asyncTimeout() {
            return Duration.ofSeconds(2);
        }
    }

    /** Says it counts; its stats never move. */
    private static final class StuckStats implements RunningServer {
        private final RunningServer inner;
        private final ServerStats zero = new ServerCounters().snapshot(0, List.of());

        StuckStats(RunningServer inner) {
            this.inner = inner;
        }

        @Override
        public String transportName() {
            return inner.transportName();
        }

        @Override
        public InetSocketAddress address() {
            return inner.address();
        }

        @Override
        public URI uri() {
            return inner.uri();
        }

        @Override
        public int sessionCount() {
            return inner.sessionCount();
        }

        @Override
        public boolean supportsStats() {
            return true;
        }

        @Override
        public ServerStats stats() {
            return zero;
        }

        @Override
        public void stop() {
            inner.stop();
        }
    }

    private interface Rule {
        void run(ServerStatsVerification v) throws Exception;
    }

    private static void run(ServerStatsVerification v, Rule rule, Class<? extends Throwable> expected) {
        try {
            assertThatThrownBy(() -> rule.run(v)).isInstanceOf(expected);
        } finally {
            v.stopServer();
        }
    }

    @Test
    void everyRuleIsSkippedWithItsReasonForAServerThatDoesNotCount() {
        List<Rule> rules = List.of(ServerStatsVerification::required_stats_startAtZero,
                ServerStatsVerification::required_stats_rejectedHandshakesAreCountedByStatus,
                ServerStatsVerification::required_stats_handshakesMessagesBytesAndClosesByCode,
                ServerStatsVerification::required_stats_queueOfAClientThatStopsReading);
        for (Rule rule : rules) {
            Suite v = new Suite(false);
            try {
                assertThatThrownBy(() -> rule.run(v)).isInstanceOf(TestAbortedException.class)
                        .hasMessageContaining("does not count");
            } finally {
                v.stopServer();
            }
        }
    }

    @Test
    void statsThatNeverMoveFailTheCountingRules() {
        run(new Suite(true), ServerStatsVerification::required_stats_rejectedHandshakesAreCountedByStatus,
                AssertionError.class);
        run(new Suite(true), ServerStatsVerification::required_stats_handshakesMessagesBytesAndClosesByCode,
                AssertionError.class);
        run(new Suite(true), ServerStatsVerification::required_stats_queueOfAClientThatStopsReading,
                AssertionError.class);
    }
}
