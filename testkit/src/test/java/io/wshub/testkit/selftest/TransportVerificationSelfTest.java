package io.wshub.testkit.selftest;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wshub.api.Endpoint;
import io.wshub.api.HandshakePolicy;
import io.wshub.api.Hub;
import io.wshub.api.HubListener;
import io.wshub.api.RunningServer;
import io.wshub.api.ServerConfig;
import io.wshub.api.SlowConsumerPolicy;
import io.wshub.testkit.BrokenReferenceHub;
import io.wshub.testkit.TransportCapabilities;
import io.wshub.testkit.TransportVerification;
import io.wshub.testkit.selftest.BlockingTestServer.Breakage;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.opentest4j.TestAbortedException;

/**
 * The transport suite tests itself, as the reactive-streams TCK does: each rule is run against a server broken in the
 * way the rule exists to catch, and must fail. (The same rules pass against the correct server in
 * {@code BlockingServerTransportVerificationTest}.)
 */
class TransportVerificationSelfTest {

    /** The suite, pointed at a broken server (and optionally a broken hub), with a shorter wait for speed. */
    static final class Broken extends TransportVerification {
        private final Set<Breakage> server;
        private final Set<BrokenReferenceHub.Breakage> hub;
        private final TransportCapabilities capabilities;

        Broken(Set<Breakage> server, Set<BrokenReferenceHub.Breakage> hub, TransportCapabilities capabilities) {
            this.server = server;
            this.hub = hub;
            this.capabilities = capabilities;
        }

        static Broken server(Breakage b) {
            return new Broken(EnumSet.of(b), Set.of(), TransportCapabilities.full());
        }

        static Broken hub(BrokenReferenceHub.Breakage b) {
            return new Broken(Set.of(), EnumSet.of(b), TransportCapabilities.full());
        }

        @Override
        protected RunningServer startServer(ServerConfig config, Endpoint endpoint, HandshakePolicy policy)
                throws Exception {
            return BlockingTestServer.start(config, endpoint, policy, server);
        }

        @Override
        protected Hub newHub(SlowConsumerPolicy policy, HubListener listener) {
            // the reference hub unless a rule wants a broken one
            return hub.isEmpty() ? super.newHub(policy, listener)
                    : BrokenReferenceHub.start(policy, listener, 1024, hub);
        }

        @Override
        protected TransportCapabilities capabilities() {
            return capabilities;
        }

        @Override
        protected Duration timeout() {
            return Duration.ofSeconds(3);
        }
    }

    @FunctionalInterface
    interface Rule {
        void run(TransportVerification v) throws Exception;
    }

    private static void assertFails(TransportVerification v, Rule rule) {
        assertThatThrownBy(() -> rule.run(v)).isInstanceOf(AssertionError.class);
    }

    // ---------------------------------------------------------------------------------------- handshake

    @Test
    @Timeout(60)
    void wrongAcceptKeyFailsTheHandshakeRule() {
        assertFails(Broken.server(Breakage.WRONG_ACCEPT),
                TransportVerification::required_handshake_101WithCorrectAccept);
    }

    @Test
    @Timeout(60)
    void wrongAcceptKeyAlsoFailsTheRawClientsAndTheJdkClientsOwnChecks() {
        assertFails(Broken.server(Breakage.WRONG_ACCEPT),
                TransportVerification::required_echo_binaryAtLengthBoundaries);
        assertFails(Broken.server(Breakage.WRONG_ACCEPT), TransportVerification::required_handshake_jdkClientConnects);
    }

    @Test
    @Timeout(60)
    void upgradingWithABadKeyFailsBothKeyRules() {
        assertFails(Broken.server(Breakage.ACCEPT_BAD_KEY), TransportVerification::required_handshake_missingKeyIs4xx);
        assertFails(Broken.server(Breakage.ACCEPT_BAD_KEY),
                TransportVerification::required_handshake_keyNotSixteenBytesIs4xx);
    }

    @Test
    @Timeout(60)
    void upgradingHttp10FailsItsRule() {
        assertFails(Broken.server(Breakage.ACCEPT_HTTP10), TransportVerification::required_handshake_http10IsRefused);
    }

    @Test
    @Timeout(60)
    void ignoringSubprotocolsFailsTheSubprotocolRule() {
        assertFails(Broken.server(Breakage.IGNORE_SUBPROTOCOLS),
                TransportVerification::optional_handshake_subprotocolNegotiated);
    }

    @Test
    @Timeout(60)
    void no426FailsTheVersionRule() {
        assertFails(Broken.server(Breakage.NO_426_ON_WRONG_VERSION),
                TransportVerification::required_handshake_wrongVersionIs426WithVersionHeader);
    }

    @Test
    @Timeout(60)
    void serverErrorOnPostFailsThePostRule() {
        assertFails(Broken.server(Breakage.SERVER_ERROR_ON_POST),
                TransportVerification::required_handshake_postIsRefused);
    }

    @Test
    @Timeout(60)
    void serverErrorOnPostFailsThe405Rule() {
        assertFails(Broken.server(Breakage.SERVER_ERROR_ON_POST),
                TransportVerification::required_handshake_otherMethodIs405WithAllowGet);
    }

    @Test
    @Timeout(60)
    void aPolicyRunBeforeTheRfcChecksFailsThePolicyOrderRule() {
        assertFails(Broken.server(Breakage.POLICY_FIRST),
                TransportVerification::required_handshake_policyRunsOnceAndOnlyAfterTheRfcChecks);
    }

    @Test
    @Timeout(120)
    void ignoringTheConnectionLimitFailsTheConcurrentLimitRule() {
        assertFails(Broken.server(Breakage.IGNORE_CONNECTION_LIMIT),
                TransportVerification::required_handshake_connectionLimitHoldsUnderConcurrentUpgrades);
    }

    @Test
    @Timeout(60)
    void droppingTheConnectionOnAClose1007FailsTheValidCodesRule() {
        assertFails(Broken.server(Breakage.NO_REPLY_TO_1007),
                TransportVerification::required_close_everyValidCodeIsAnswered);
    }

    @Test
    @Timeout(60)
    void hangingOnAPlainGetFailsTheNoUpgradeRule() {
        assertFails(Broken.server(Breakage.HANG_ON_PLAIN_GET),
                TransportVerification::required_handshake_getWithoutUpgradeIsRefused);
    }

    @Test
    @Timeout(60)
    void hangingOnGarbageFailsTheGarbageRule() {
        assertFails(Broken.server(Breakage.HANG_ON_PLAIN_GET),
                TransportVerification::required_handshake_garbageRequestNeverHangs);
    }

    @Test
    @Timeout(60)
    void ignoringThePolicyFailsThePolicyRule() {
        assertFails(Broken.server(Breakage.IGNORE_POLICY),
                TransportVerification::required_handshake_policyRejectionIs4xxBeforeUpgrade);
    }

    @Test
    @Timeout(60)
    void answering404FailsTheExactStatusRuleButPassesTheRequiredOne() throws Exception {
        Broken v = Broken.server(Breakage.REJECT_WITH_404);
        assertFails(v, TransportVerification::optional_handshake_policyRejectionUsesExactStatus);
        assertThatCode(v::required_handshake_policyRejectionIs4xxBeforeUpgrade).doesNotThrowAnyException();
    }

    @Test
    @Timeout(60)
    void aMissingCapabilityIsSkippedNotPassed() {
        Broken v = new Broken(EnumSet.of(Breakage.REJECT_WITH_404), Set.of(),
                TransportCapabilities.builder().exactRejectStatus(false).subprotocols(false).build());
        assertThatThrownBy(v::optional_handshake_policyRejectionUsesExactStatus)
                .isInstanceOf(TestAbortedException.class).hasMessageContaining("exactRejectStatus(false)");
        assertThatThrownBy(v::optional_handshake_subprotocolNegotiated)
                .isInstanceOf(TestAbortedException.class).hasMessageContaining("subprotocols(false)");
    }

    // ---------------------------------------------------------------------------------------- echo

    @Test
    @Timeout(60)
    void notAnsweringPingsFailsThePingRules() {
        Broken v = Broken.server(Breakage.NO_PONG);
        assertFails(v, TransportVerification::required_echo_pingAnsweredWithSamePayload);
        assertFails(v, TransportVerification::required_echo_pingBetweenFragmentsAnswered);
    }

    @Test
    @Timeout(60)
    void truncatingLongMessagesFailsTheLengthBoundaryRules() {
        Broken v = Broken.server(Breakage.TRUNCATE_AT_64K);
        assertFails(v, TransportVerification::required_echo_textAtLengthBoundaries);
        assertFails(v, TransportVerification::required_echo_binaryAtLengthBoundaries);
        assertFails(v, TransportVerification::required_echo_jdkClientAtLengthBoundaries);
    }

    @Test
    @Timeout(60)
    void manglingMultiByteTextFailsTheUtf8Rule() {
        assertFails(Broken.server(Breakage.LATIN1_TEXT), TransportVerification::required_echo_multiByteUtf8);
    }

    @Test
    @Timeout(60)
    void notReassemblingFailsTheFragmentRule() {
        assertFails(Broken.server(Breakage.NO_REASSEMBLY), TransportVerification::required_echo_fragmentsReassembled);
    }

    // ---------------------------------------------------------------------------------------- broadcast

    @Test
    @Timeout(60)
    void aReorderingHubFailsTheBroadcastOrderRule() {
        assertFails(Broken.hub(BrokenReferenceHub.Breakage.REORDER),
                TransportVerification::required_broadcast_fiftyClientsReceiveEverythingInOneOrder);
    }

    @Test
    @Timeout(60)
    void aHubIgnoringTheExclusionFailsTheSenderExcludedRule() {
        assertFails(Broken.hub(BrokenReferenceHub.Breakage.IGNORE_EXCLUDE),
                TransportVerification::required_broadcast_senderExcluded);
    }

    // ---------------------------------------------------------------------------------------- protocol errors

    @Test
    @Timeout(60)
    void noUtf8ValidationFailsThe1007Rule() {
        assertFails(Broken.server(Breakage.NO_UTF8_VALIDATION),
                TransportVerification::required_protocol_invalidUtf8Closes1007);
    }

    @Test
    @Timeout(60)
    void acceptingRsvBitsFailsTheRsvRule() {
        assertFails(Broken.server(Breakage.ACCEPT_RSV), TransportVerification::required_protocol_rsvBitsClose1002);
    }

    @Test
    @Timeout(60)
    void acceptingUnmaskedFramesFailsTheMaskRule() {
        assertFails(Broken.server(Breakage.ACCEPT_UNMASKED),
                TransportVerification::required_protocol_unmaskedClientFrameCloses1002);
    }

    @Test
    @Timeout(60)
    void lenientControlFramesFailTheControlFrameRules() {
        Broken v = Broken.server(Breakage.LENIENT_CONTROL_FRAMES);
        assertFails(v, TransportVerification::required_protocol_controlFrameOver125BytesCloses1002);
        assertFails(v, TransportVerification::required_protocol_fragmentedControlFrameCloses1002);
    }

    @Test
    @Timeout(60)
    void acceptingAStrayContinuationFailsItsRule() {
        assertFails(Broken.server(Breakage.ACCEPT_STRAY_CONTINUATION),
                TransportVerification::required_protocol_strayContinuationCloses1002);
    }

    @Test
    @Timeout(60)
    void ignoringMaxMessageSizeFailsThe1009Rule() {
        assertFails(Broken.server(Breakage.IGNORE_MAX_MESSAGE_SIZE),
                TransportVerification::required_protocol_overMaxMessageSizeCloses1009);
    }

    @Test
    @Timeout(60)
    void notValidatingCloseFramesFailsTheCloseFrameRules() {
        Broken v = Broken.server(Breakage.NO_CLOSE_VALIDATION);
        assertFails(v, TransportVerification::required_protocol_invalidCloseCodeCloses1002);
        assertFails(v, TransportVerification::required_protocol_nonUtf8CloseReasonCloses1002);
    }

    @Test
    @Timeout(60)
    void aWrongCloseCodeFailsTheProtocolRules() {
        Broken v = Broken.server(Breakage.WRONG_ERROR_CODE);
        assertFails(v, TransportVerification::required_protocol_invalidUtf8Closes1007);
        assertFails(v, TransportVerification::required_protocol_reservedOpcodeCloses1002);
    }

    // ---------------------------------------------------------------------------------------- close and lifecycle

    @Test
    @Timeout(60)
    void keepingTcpOpenFailsTheCloseRule() {
        assertFails(Broken.server(Breakage.KEEP_TCP_OPEN),
                TransportVerification::required_close_clientNormalCloseIsAnsweredAndTcpClosed);
    }

    @Test
    @Timeout(120)
    void leakingDroppedSessionsFailsTheLifecycleRule() {
        assertFails(Broken.server(Breakage.LEAK_DROPPED_SESSIONS),
                TransportVerification::required_lifecycle_thousandCyclesLeaveNoSessions);
    }

    @Test
    @Timeout(60)
    void droppingConnectionsOnStopFailsThe1001Rule() {
        assertFails(Broken.server(Breakage.NO_GOING_AWAY_ON_STOP),
                TransportVerification::required_lifecycle_stopSends1001ToEveryClient);
    }

    // ---------------------------------------------------------------------------------------- slow consumer

    @Test
    @Timeout(120)
    void anUnboundedQueueFailsTheSlowConsumerRule() {
        assertFails(Broken.server(Breakage.UNBOUNDED_QUEUE),
                TransportVerification::required_slowConsumer_disconnectPolicyClosesStalledClient);
    }

    @Test
    @Timeout(120)
    void anUnboundedQueueFailsTheDropPolicyRules() {
        Broken v = Broken.server(Breakage.UNBOUNDED_QUEUE);
        assertFails(v, TransportVerification::required_slowConsumer_dropNewestPolicyKeepsStalledClient);
        assertFails(v, TransportVerification::required_slowConsumer_dropOldestPolicyKeepsStalledClient);
    }

    @Test
    @Timeout(120)
    void aHubIgnoringThePolicyFailsTheDisconnectRule() {
        assertFails(Broken.hub(BrokenReferenceHub.Breakage.ALWAYS_DROP_NEWEST),
                TransportVerification::required_slowConsumer_disconnectPolicyClosesStalledClient);
    }

    // ---------------------------------------------------------------------------------------- endpoint invoker

    @Test
    @Timeout(60)
    void errorsEscapingTheEndpointFailTheInvokerRules() {
        Broken v = Broken.server(Breakage.ERRORS_ESCAPE);
        assertFails(v, TransportVerification::required_invoker_errorFromOnMessageCloses1011);
        assertFails(v, TransportVerification::required_invoker_errorFromOnOpenCloses1011);
    }

    @Test
    @Timeout(60)
    void offersSentWithoutAFlushFailTheFlushRule() {
        assertFails(Broken.server(Breakage.SENDS_WITHOUT_FLUSH),
                TransportVerification::required_flush_offersAreSentByFlushOrCloseAndNotBefore);
    }

    @Test
    @Timeout(60)
    void aFlushThatSendsOneBatchFailsTheFlushRule() {
        assertFails(Broken.server(Breakage.FLUSH_SENDS_ONE_BATCH),
                TransportVerification::required_flush_offersAreSentByFlushOrCloseAndNotBefore);
    }

    @Test
    @Timeout(60)
    void aCloseThatDropsUnflushedOffersFailsTheFlushRule() {
        assertFails(Broken.server(Breakage.CLOSE_DROPS_UNFLUSHED),
                TransportVerification::required_flush_offersAreSentByFlushOrCloseAndNotBefore);
    }

    @Test
    @Timeout(60)
    void anOfferOfACloseThatThrowsFailsTheOfferRule() {
        assertFails(Broken.server(Breakage.OFFER_CLOSE_THROWS),
                TransportVerification::required_lifecycle_offerOfACloseClosesTheSession);
    }

    @Test
    @Timeout(120)
    void twoOnClosesWhenClosesCrossFailTheRaceRule() {
        assertFails(Broken.server(Breakage.ON_CLOSE_TWICE_WHEN_CLOSES_CROSS),
                TransportVerification::required_lifecycle_exactlyOneOnCloseWhenClientAndServerCloseRace);
    }

    // ---------------------------------------------------------------------------------------- keepalive

    @Test
    @Timeout(60)
    void noPingsFailsTheKeepaliveRule() {
        assertFails(Broken.server(Breakage.NO_PINGS),
                TransportVerification::required_keepalive_pingsAtConfiguredInterval);
    }

    @Test
    @Timeout(60)
    void noIdleTimeoutFailsTheIdleRule() {
        assertFails(Broken.server(Breakage.NO_IDLE_TIMEOUT),
                TransportVerification::required_keepalive_silentClientClosedAfterIdleTimeout);
    }

    // ---------------------------------------------------------------------------------------- request-head limits

    @Test
    @Timeout(60)
    void noHeaderSizeLimitFailsTheOversizedHeaderRule() {
        assertFails(Broken.server(Breakage.NO_HEADER_SIZE_LIMIT),
                TransportVerification::required_handshake_oversizedHeaderIs431AndClosed);
    }

    @Test
    @Timeout(60)
    void noHeaderCountLimitFailsTheTooManyLinesRule() {
        assertFails(Broken.server(Breakage.NO_HEADER_COUNT_LIMIT),
                TransportVerification::required_handshake_tooManyHeaderLinesIs431AndClosed);
    }

    @Test
    @Timeout(60)
    void answering400BeyondTheLimitsFailsBothLimitRules() {
        Broken v = Broken.server(Breakage.HEADER_LIMITS_ANSWER_400);
        assertFails(v, TransportVerification::required_handshake_oversizedHeaderIs431AndClosed);
        assertFails(v, TransportVerification::required_handshake_tooManyHeaderLinesIs431AndClosed);
    }

    @Test
    @Timeout(60)
    void limitsOffByOneFailTheAtTheLimitsRuleButPassTheOversizedOnes() {
        Broken v = Broken.server(Breakage.HEADER_LIMITS_OFF_BY_ONE);
        assertFails(v, TransportVerification::required_handshake_requestHeadAtTheLimitsIsUpgraded);
        assertThatCode(v::required_handshake_oversizedHeaderIs431AndClosed).doesNotThrowAnyException();
    }

    @Test
    @Timeout(60)
    void noHandshakeTimeoutFailsTheSilentAndTheTricklingRules() {
        Broken v = Broken.server(Breakage.NO_HANDSHAKE_TIMEOUT);
        assertFails(v, TransportVerification::required_handshake_silentConnectionClosedAfterHandshakeTimeout);
        assertFails(v, TransportVerification::required_handshake_tricklingRequestClosedAfterHandshakeTimeout);
    }

    @Test
    @Timeout(60)
    void aTimeoutPerReadFailsTheTricklingRuleButPassesTheSilentOne() {
        Broken v = Broken.server(Breakage.HANDSHAKE_TIMEOUT_PER_READ);
        assertFails(v, TransportVerification::required_handshake_tricklingRequestClosedAfterHandshakeTimeout);
        assertThatCode(v::required_handshake_silentConnectionClosedAfterHandshakeTimeout)
                .doesNotThrowAnyException();
    }

    @Test
    @Timeout(60)
    void aHandshakeTimeoutThatOutlivesTheUpgradeFailsTheSilentRule() {
        assertFails(Broken.server(Breakage.HANDSHAKE_TIMEOUT_AFTER_UPGRADE),
                TransportVerification::required_handshake_silentConnectionClosedAfterHandshakeTimeout);
    }
}
