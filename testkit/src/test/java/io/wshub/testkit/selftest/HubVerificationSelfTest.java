package io.wshub.testkit.selftest;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wshub.api.Hub;
import io.wshub.api.HubListener;
import io.wshub.api.SlowConsumerPolicy;
import io.wshub.testkit.HubCapabilities;
import io.wshub.testkit.HubVerification;
import io.wshub.testkit.selftest.SimpleTestHub.Breakage;
import java.time.Duration;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.opentest4j.TestAbortedException;

/**
 * The hub suite tests itself: each rule is run against a hub broken in the way the rule exists to catch, and must fail.
 * (The same rules pass against the correct hub in {@code SimpleHubVerificationTest}.)
 */
class HubVerificationSelfTest {

    /** The suite, pointed at a broken hub, with a shorter wait for speed. */
    static final class Broken extends HubVerification {
        private final Breakage breakage;
        private final HubCapabilities capabilities;

        Broken(Breakage breakage) {
            this(breakage, HubCapabilities.full());
        }

        Broken(Breakage breakage, HubCapabilities capabilities) {
            this.breakage = breakage;
            this.capabilities = capabilities;
        }

        @Override
        protected Hub newHub(SlowConsumerPolicy policy, HubListener listener) {
            return SimpleTestHub.start(policy, listener, 1024, EnumSet.of(breakage));
        }

        @Override
        protected HubCapabilities capabilities() {
            return capabilities;
        }

        @Override
        protected Duration asyncTimeout() {
            return Duration.ofSeconds(3);
        }
    }

    @FunctionalInterface
    interface Rule {
        void run(HubVerification v) throws Exception;
    }

    private static void assertFails(Breakage breakage, Rule rule) {
        HubVerification v = new Broken(breakage);
        assertThatThrownBy(() -> rule.run(v)).isInstanceOf(AssertionError.class);
    }

    @Test
    @Timeout(60)
    void reorderingFailsBothOrderingRules() {
        assertFails(Breakage.REORDER, HubVerification::required_ordering_singlePublisherOrderIsKept);
        assertFails(Breakage.REORDER, HubVerification::required_ordering_concurrentPublishersAllMembersSeeOneOrder);
    }

    @Test
    @Timeout(60)
    void replayingHistoryOnJoinFailsTheJoinRule() {
        assertFails(Breakage.REPLAY_ON_JOIN, HubVerification::required_membership_joinSeesOnlyLaterMessages);
    }

    @Test
    @Timeout(60)
    void ignoringLeaveFailsTheLeaveRule() {
        assertFails(Breakage.IGNORE_LEAVE, HubVerification::required_membership_leaveStopsDelivery);
    }

    @Test
    @Timeout(60)
    void topicsAsBroadcastFailsTheTopicRule() {
        assertFails(Breakage.TOPIC_AS_BROADCAST, HubVerification::required_topics_publishReachesOnlySubscribers);
    }

    @Test
    @Timeout(60)
    void sendAsBroadcastFailsBothDirectSendRules() {
        assertFails(Breakage.SEND_AS_BROADCAST, HubVerification::required_direct_sendReachesOnlyTargetInOrder);
        assertFails(Breakage.SEND_AS_BROADCAST,
                HubVerification::required_direct_sendToUnknownSessionIsCountedAsDropped);
    }

    @Test
    @Timeout(60)
    void copyingPerMemberFailsTheSharedInstanceRule() {
        assertFails(Breakage.COPY_PER_MEMBER, HubVerification::required_delivery_oneSharedInstanceForEveryMember);
    }

    @Test
    @Timeout(60)
    void ignoringThePolicyFailsTheDisconnectAndDropOldestRules() {
        assertFails(Breakage.ALWAYS_DROP_NEWEST,
                HubVerification::required_slowConsumer_disconnectClosesWith1013AndCountsLoss);
        assertFails(Breakage.ALWAYS_DROP_NEWEST,
                HubVerification::required_slowConsumer_dropOldestKeepsNewestAndReportsLag);
    }

    @Test
    @Timeout(60)
    void notReportingLagFailsTheDropNewestRule() {
        assertFails(Breakage.NO_LAG_REPORT, HubVerification::required_slowConsumer_dropNewestKeepsQueuedAndReportsLag);
    }

    @Test
    @Timeout(60)
    void uncaughtExceptionsFailBothIsolationRules() {
        assertFails(Breakage.UNCAUGHT_EXCEPTIONS,
                HubVerification::required_isolation_throwingSessionDoesNotAffectOthers);
        assertFails(Breakage.UNCAUGHT_EXCEPTIONS,
                HubVerification::required_isolation_throwingListenerDoesNotAffectOthers);
    }

    @Test
    @Timeout(60)
    void notClosingOnShutdownFailsTheShutdownRule() {
        assertFails(Breakage.NO_CLOSE_ON_SHUTDOWN,
                HubVerification::required_shutdown_drainsClosesWith1001AndAccountsEveryMessage);
    }

    @Test
    @Timeout(60)
    void acceptingAfterShutdownFailsTheClosedRule() {
        assertFails(Breakage.ACCEPT_AFTER_SHUTDOWN,
                HubVerification::required_shutdown_operationsAfterShutdownAreClosed);
    }

    @Test
    @Timeout(90)
    void silentlyDroppingWhenFullFailsTheBackpressureRule() {
        assertFails(Breakage.SILENT_DROP_WHEN_FULL,
                HubVerification::optional_backpressure_stalledFanOutAnswersBackpressured);
    }

    @Test
    @Timeout(30)
    void aMissingBackpressureCapabilityIsSkippedNotPassed() {
        HubVerification v = new Broken(Breakage.SILENT_DROP_WHEN_FULL,
                HubCapabilities.builder().backpressure(false).build());
        assertThatThrownBy(v::optional_backpressure_stalledFanOutAnswersBackpressured)
                .isInstanceOf(TestAbortedException.class).hasMessageContaining("backpressure(false)");
    }
}
