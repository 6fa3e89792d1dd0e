package io.wshub.testkit.selftest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wshub.api.HistoryConfig;
import io.wshub.api.Hub;
import io.wshub.api.HubListener;
import io.wshub.api.PublishResult;
import io.wshub.api.SlowConsumerPolicy;
import io.wshub.testkit.BrokenReferenceHub;
import io.wshub.testkit.BrokenReferenceHub.Breakage;
import io.wshub.testkit.HubCapabilities;
import io.wshub.testkit.HubVerification;
import io.wshub.testkit.RecordingSession;
import io.wshub.testkit.ReferenceHub;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.opentest4j.TestAbortedException;

/**
 * The hub suite tests itself: each rule is run against a hub broken in the way the rule exists to catch (the reference
 * hub with one {@link Breakage}), and must fail. (The same rules pass against the reference hub itself in
 * {@code ReferenceHubVerificationTest} and {@code ReferenceHistoryHubVerificationTest}.)
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
            return BrokenReferenceHub.start(policy, listener, 1024, EnumSet.of(breakage));
        }

        @Override
        protected Hub newHistoryHub(SlowConsumerPolicy policy, HubListener listener, HistoryConfig history) {
            return BrokenReferenceHub.startWithHistory(policy, listener, 1024, history, EnumSet.of(breakage));
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

    /** The suite as a third party without history writes it: only {@code newHub}. */
    static final class WithoutHistoryFactory extends HubVerification {
        @Override
        protected Hub newHub(SlowConsumerPolicy policy, HubListener listener) {
            return ReferenceHub.start(policy, listener);
        }
    }

    /** A {@code newHistoryHub} that returns a hub without history support; remembers the hubs it started. */
    static final class HistoryFactoryWithoutSupport extends HubVerification {
        final List<Hub> started = new CopyOnWriteArrayList<>();

        @Override
        protected Hub newHub(SlowConsumerPolicy policy, HubListener listener) {
            return ReferenceHub.start(policy, listener);
        }

        @Override
        protected Hub newHistoryHub(SlowConsumerPolicy policy, HubListener listener, HistoryConfig history) {
            Hub hub = ReferenceHub.start(policy, listener);
            started.add(hub);
            return hub;
        }
    }

    /** A correct history hub whose capabilities say history(false); counts calls to {@code newHistoryHub}. */
    static final class HistoryCapabilityOff extends HubVerification {
        final AtomicInteger historyHubs = new AtomicInteger();

        @Override
        protected Hub newHub(SlowConsumerPolicy policy, HubListener listener) {
            return ReferenceHub.start(policy, listener);
        }

        @Override
        protected Hub newHistoryHub(SlowConsumerPolicy policy, HubListener listener, HistoryConfig history) {
            historyHubs.incrementAndGet();
            return ReferenceHub.startWithHistory(policy, listener, 1024, history);
        }

        @Override
        protected HubCapabilities capabilities() {
            return HubCapabilities.builder().history(false).build();
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

    /** Like {@link #assertFails}, and the failure must say why (so the rule fails for the reason it exists). */
    private static void assertFails(Breakage breakage, Rule rule, String because) {
        HubVerification v = new Broken(breakage);
        assertThatThrownBy(() -> rule.run(v)).isInstanceOf(AssertionError.class).hasMessageContaining(because);
    }

    /** Every {@code optional_history_...} rule of the suite. */
    private static List<Method> historyRules() {
        List<Method> rules = new ArrayList<>();
        for (Method m : HubVerification.class.getDeclaredMethods()) {
            if (m.getName().startsWith("optional_history_") && Modifier.isPublic(m.getModifiers())) {
                rules.add(m);
            }
        }
        return rules;
    }

    /** Runs a rule reflectively and returns what it threw, or null. */
    private static Throwable run(Method rule, HubVerification v) throws IllegalAccessException {
        try {
            rule.invoke(v);
            return null;
        } catch (InvocationTargetException e) {
            return e.getCause();
        }
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

    // ------------------------------------------------------------------------------------------------ history

    @Test
    @Timeout(60)
    void partialRecoveryFailsTheTrimmedPositionRule() {
        assertFails(Breakage.PARTIAL_RECOVERY,
                HubVerification::optional_history_positionOlderThanTheHistoryIsNotRecovered, "nothing old");
    }

    @Test
    @Timeout(60)
    void ignoringTheEpochFailsBothEpochRules() {
        assertFails(Breakage.IGNORE_EPOCH, HubVerification::optional_history_unknownEpochIsNotRecovered,
                "nothing old");
        assertFails(Breakage.IGNORE_EPOCH, HubVerification::optional_history_restartedHubHasANewEpoch,
                "nothing old");
    }

    @Test
    @Timeout(60)
    void aConstantEpochFailsTheRestartRule() {
        assertFails(Breakage.CONSTANT_EPOCH, HubVerification::optional_history_restartedHubHasANewEpoch,
                "must not reuse the epoch");
    }

    @Test
    @Timeout(60)
    void recoveringAFutureOffsetFailsTheFutureOffsetRule() {
        assertFails(Breakage.FUTURE_OFFSET_RECOVERED, HubVerification::optional_history_futureOffsetIsNotRecovered,
                "beyond the last");
    }

    @Test
    @Timeout(60)
    void ignoringTheTtlFailsTheTtlRule() {
        assertFails(Breakage.IGNORE_TTL, HubVerification::optional_history_positionOlderThanTheTtlIsNotRecovered,
                "nothing old");
    }

    @Test
    @Timeout(120)
    void duplicatingTheSeamFailsTheReplayAndTheConcurrentRecoveryRules() {
        assertFails(Breakage.DUPLICATE_SEAM,
                HubVerification::optional_history_missedPublicationsAreReplayedOnceInOrder);
        assertFails(Breakage.DUPLICATE_SEAM,
                HubVerification::optional_history_recoveryWhilePublishingHasNoGapAndNoDuplicate,
                "a duplicate or reordering");
    }

    @Test
    @Timeout(120)
    void droppingTheSeamFailsTheReplayAndTheConcurrentRecoveryRules() {
        assertFails(Breakage.DROP_SEAM, HubVerification::optional_history_missedPublicationsAreReplayedOnceInOrder);
        assertFails(Breakage.DROP_SEAM,
                HubVerification::optional_history_recoveryWhilePublishingHasNoGapAndNoDuplicate, "a gap");
    }

    @Test
    @Timeout(60)
    void buildingTheEnvelopePerRecipientFailsTheSharedEnvelopeRule() {
        assertFails(Breakage.ENVELOPE_PER_RECIPIENT,
                HubVerification::optional_history_everySubscriberSeesTheSameOffsetsAndOneEnvelopePerPublication,
                "same envelope instance");
    }

    @Test
    @Timeout(60)
    void offsetsPerSubscriberFailTheSameOffsetsRule() {
        assertFails(Breakage.PER_SUBSCRIBER_OFFSETS,
                HubVerification::optional_history_everySubscriberSeesTheSameOffsetsAndOneEnvelopePerPublication);
        assertFails(Breakage.PER_SUBSCRIBER_OFFSETS,
                HubVerification::optional_history_missedPublicationsAreReplayedOnceInOrder, "expected offset 6");
    }

    @Test
    @Timeout(60)
    void envelopesToEveryoneFailTheRawMessageRule() {
        assertFails(Breakage.ENVELOPE_TO_EVERYONE,
                HubVerification::optional_history_sessionsThatDidNotOptInReceiveThePublishedInstance,
                "must receive the published instances");
    }

    @Test
    @Timeout(60)
    void historyForEveryTopicFailsTheTopicWithoutHistoryRule() {
        assertFails(Breakage.HISTORY_FOR_EVERY_TOPIC,
                HubVerification::optional_history_topicWithoutHistoryIgnoresPositionAndEnvelope);
    }

    @Test
    @Timeout(60)
    void tellingTheListenerAfterTheReplayFailsTheListenerRule() {
        assertFails(Breakage.LISTENER_AFTER_REPLAY,
                HubVerification::optional_history_listenerIsToldBeforeAnyReplayedOrLiveMessage, "must come before");
    }

    @Test
    @Timeout(60)
    void aWrongReplayCountFailsTheResultRule() {
        assertFails(Breakage.RESULT_WITHOUT_REPLAY_COUNT,
                HubVerification::optional_history_subscribeResultDescribesTheOutcome, "since 1 of 4");
    }

    @Test
    @Timeout(60)
    void notCountingRecoveriesFailsTheStatsRule() {
        assertFails(Breakage.NO_HISTORY_STATS,
                HubVerification::optional_history_statsCountReplayedRecoveredAndNotRecovered, "recovered == 3");
    }

    @Test
    @Timeout(60)
    void uncaughtEnvelopeAndListenerExceptionsFailTheContainmentRule() {
        assertFails(Breakage.UNCAUGHT_EXCEPTIONS,
                HubVerification::optional_history_throwingEnvelopeOrListenerIsCountedAndContained);
    }

    @Test
    @Timeout(60)
    void everyHistoryRuleIsSkippedWithItsReasonWhenNewHistoryHubIsNotOverridden() throws Exception {
        List<Method> rules = historyRules();
        assertThat(rules).hasSizeGreaterThanOrEqualTo(14);
        for (Method rule : rules) {
            Throwable t = run(rule, new WithoutHistoryFactory());
            assertThat(t).as(rule.getName()).isInstanceOf(TestAbortedException.class)
                    .hasMessageContaining("newHistoryHub returned null");
        }
    }

    @Test
    @Timeout(60)
    void everyHistoryRuleIsSkippedWhenTheHubDoesNotSupportHistoryAndTheHubIsShutDown() throws Exception {
        for (Method rule : historyRules()) {
            HistoryFactoryWithoutSupport v = new HistoryFactoryWithoutSupport();
            Throwable t = run(rule, v);
            assertThat(t).as(rule.getName()).isInstanceOf(TestAbortedException.class)
                    .hasMessageContaining("supportsHistory() is false");
            assertThat(v.started).as(rule.getName()).hasSize(1);
            assertThat(v.started.get(0).join(new RecordingSession())).as("the skipped rule shut its hub down")
                    .isEqualTo(PublishResult.CLOSED);
        }
    }

    @Test
    @Timeout(60)
    void everyHistoryRuleIsSkippedWhenTheCapabilityIsOff() throws Exception {
        for (Method rule : historyRules()) {
            HistoryCapabilityOff v = new HistoryCapabilityOff();
            Throwable t = run(rule, v);
            assertThat(t).as(rule.getName()).isInstanceOf(TestAbortedException.class)
                    .hasMessageContaining("history(false)");
            assertThat(v.historyHubs.get()).as("no hub is started for a skipped rule").isZero();
        }
    }
}
