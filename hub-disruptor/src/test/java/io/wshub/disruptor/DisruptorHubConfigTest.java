package io.wshub.disruptor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wshub.api.HubListener;
import io.wshub.api.SlowConsumerPolicy;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class DisruptorHubConfigTest {

    @Test
    void shouldHaveDocumentedDefaults() {
        DisruptorHubConfig c = DisruptorHubConfig.defaults();
        assertThat(c.ringSize()).isEqualTo(16384);
        assertThat(c.shards()).isEqualTo(1);
        assertThat(c.waitStrategy()).isEqualTo(DisruptorHubConfig.WaitStrategyKind.BLOCKING);
        assertThat(c.threadNamePrefix()).isEqualTo("wshub-hub");
        assertThat(c.slowConsumerPolicy()).isEqualTo(SlowConsumerPolicy.DISCONNECT);
        assertThat(c.listener()).isSameAs(HubListener.NONE);
    }

    @Test
    void shouldKeepEveryValueSetAndCopyThroughToBuilder() {
        HubListener listener = new HubListener() {
        };
        DisruptorHubConfig c = DisruptorHubConfig.builder().ringSize(1024).shards(4)
                .waitStrategy(DisruptorHubConfig.WaitStrategyKind.SLEEPING).threadNamePrefix("feed")
                .slowConsumerPolicy(SlowConsumerPolicy.DROP_OLDEST).listener(listener).build();
        DisruptorHubConfig copy = c.toBuilder().build();
        for (DisruptorHubConfig x : new DisruptorHubConfig[] {c, copy}) {
            assertThat(x.ringSize()).isEqualTo(1024);
            assertThat(x.shards()).isEqualTo(4);
            assertThat(x.waitStrategy()).isEqualTo(DisruptorHubConfig.WaitStrategyKind.SLEEPING);
            assertThat(x.threadNamePrefix()).isEqualTo("feed");
            assertThat(x.slowConsumerPolicy()).isEqualTo(SlowConsumerPolicy.DROP_OLDEST);
            assertThat(x.listener()).isSameAs(listener);
        }
        assertThat(c.toString()).contains("ringSize=1024", "shards=4");
    }

    @Test
    void shouldRejectARingSizeThatIsNotAPowerOfTwoInRange() {
        for (int bad : new int[] {0, 1, -8, 3, 1000, 1 << 31, (1 << 30) + 1}) {
            assertThatThrownBy(() -> DisruptorHubConfig.builder().ringSize(bad).build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("DisruptorHubConfig.ringSize")
                    .hasMessageContaining("power of two from 2 to 1073741824")
                    .hasMessageContaining("was " + bad);
        }
        assertThat(DisruptorHubConfig.builder().ringSize(2).build().ringSize()).isEqualTo(2);
        assertThat(DisruptorHubConfig.builder().ringSize(1 << 30).build().ringSize()).isEqualTo(1 << 30);
    }

    @Test
    void shouldRejectAShardCountOutOfRange() {
        for (int bad : new int[] {0, -1, 257}) {
            assertThatThrownBy(() -> DisruptorHubConfig.builder().shards(bad).build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("DisruptorHubConfig.shards must be 1 to 256, was " + bad);
        }
        assertThat(DisruptorHubConfig.builder().shards(256).build().shards()).isEqualTo(256);
    }

    @Test
    void shouldRejectABlankOrLongThreadNamePrefix() {
        assertThatThrownBy(() -> DisruptorHubConfig.builder().threadNamePrefix(" ").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("DisruptorHubConfig.threadNamePrefix");
        assertThatThrownBy(() -> DisruptorHubConfig.builder().threadNamePrefix("x".repeat(65)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at most 64 characters");
    }

    @Test
    void shouldRejectNullsAtOnceNamingTheField() {
        DisruptorHubConfig.Builder b = DisruptorHubConfig.builder();
        assertThatThrownBy(() -> b.waitStrategy(null)).hasMessage("waitStrategy");
        assertThatThrownBy(() -> b.threadNamePrefix(null)).hasMessage("threadNamePrefix");
        assertThatThrownBy(() -> b.slowConsumerPolicy(null)).hasMessage("slowConsumerPolicy");
        assertThatThrownBy(() -> b.listener(null)).hasMessage("listener");
        assertThatThrownBy(() -> DisruptorHub.start(null)).hasMessage("config");
    }
}
