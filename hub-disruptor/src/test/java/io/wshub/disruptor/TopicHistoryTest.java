package io.wshub.disruptor;

import static org.assertj.core.api.Assertions.assertThat;

import io.wshub.api.Message;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class TopicHistoryTest {

    private static final long TTL = 1_000L;

    @Test
    void shouldGrowOnDemandUpToTheLimitAndThenTrimTheOldest() {
        TopicHistory h = new TopicHistory("t", "e", 40, TTL, 0L);
        assertThat(h.capacity()).isEqualTo(16);
        for (int i = 1; i <= 100; i++) {
            assertThat(h.append(Message.text("m" + i), null, 0L)).isEqualTo(i);
            assertThat(h.holdsNothingOutsideRange()).isTrue();
        }
        assertThat(h.capacity()).isEqualTo(40);
        assertThat(h.first).isEqualTo(61);
        assertThat(h.last).isEqualTo(100);
        Message[] copy = h.copy(61, false);
        assertThat(copy).hasSize(40);
        assertThat(((Message.Text) copy[0]).asString()).isEqualTo("m61");
        assertThat(((Message.Text) copy[39]).asString()).isEqualTo("m100");
    }

    @Test
    void shouldKeepOrderAcrossGrowthWithAWrappedRing() {
        TopicHistory h = new TopicHistory("t", "e", 20, TTL, 0L);
        for (int i = 1; i <= 16; i++) {
            h.append(Message.text("m" + i), null, 0L);
        }
        h.trimExpired(TTL + 1); // everything expires: the ring is empty but offsets go on
        for (int i = 17; i <= 36; i++) {
            h.append(Message.text("m" + i), Message.text("e" + i), TTL + 1);
        }
        assertThat(h.size()).isEqualTo(20);
        Message[] envelopes = h.copy(17, true);
        for (int k = 0; k < 20; k++) {
            assertThat(((Message.Text) envelopes[k]).asString()).isEqualTo("e" + (17 + k));
        }
    }

    @Test
    void shouldExpireByAgeAndReportIdleOnlyAfterATtlWithoutPublications() {
        TopicHistory h = new TopicHistory("t", "e", 100, TTL, 0L);
        h.append(Message.text("a"), null, 0L);
        h.append(Message.text("b"), null, 500L);
        h.trimExpired(1_200L);
        assertThat(h.first).isEqualTo(2);
        assertThat(h.isIdle(1_200L)).isFalse();
        assertThat(h.isIdle(1_501L)).isTrue();
        assertThat(h.size()).isZero();
        assertThat(h.nextOffset()).isEqualTo(3);
    }
}
