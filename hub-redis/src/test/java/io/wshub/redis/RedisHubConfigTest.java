package io.wshub.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RedisHubConfigTest {

    @Test
    void defaultsAreSaneAndThePasswordNeverShows() {
        RedisHubConfig c = RedisHubConfig.builder("redis://:secret@127.0.0.1:6380/2").build();
        assertThat(c.prefix()).isEqualTo("wshub");
        assertThat(c.streamSize()).isEqualTo(1000);
        assertThat(c.streamTtl()).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.probeTimeout()).isGreaterThan(c.probeInterval());
        assertThat(c.startTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(RedisHubConfig.builder("redis://h").connectTimeout(Duration.ofSeconds(30)).build().startTimeout())
                .isEqualTo(Duration.ofSeconds(30));
        assertThat(c.address()).isEqualTo("redis://127.0.0.1:6380/2");
        assertThat(c.toString()).doesNotContain("secret").contains("127.0.0.1:6380");
    }

    @Test
    void everyWrongValueIsNamed() {
        assertThatThrownBy(() -> RedisHubConfig.builder(null).build()).hasMessageContaining("RedisHubConfig.uri");
        assertThatThrownBy(() -> RedisHubConfig.builder("http://x").build()).hasMessageContaining("RedisHubConfig.uri");
        assertThatThrownBy(() -> RedisHubConfig.builder("not a uri").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("RedisHubConfig.uri");
        assertThatThrownBy(() -> RedisHubConfig.builder("redis//:hunter2@host").build())
                .hasMessageContaining("RedisHubConfig.uri").hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> RedisHubConfig.builder("redis://h").prefix("a b").build())
                .hasMessageContaining("RedisHubConfig.prefix");
        assertThatThrownBy(() -> RedisHubConfig.builder("redis://h").prefix("{x}").build())
                .hasMessageContaining("RedisHubConfig.prefix");
        assertThatThrownBy(() -> RedisHubConfig.builder("redis://h").streamSize(0).build())
                .hasMessageContaining("RedisHubConfig.streamSize");
        assertThatThrownBy(() -> RedisHubConfig.builder("redis://h").streamTtl(Duration.ZERO).build())
                .hasMessageContaining("RedisHubConfig.streamTtl");
        assertThatThrownBy(() -> RedisHubConfig.builder("redis://h").streamTtl(Duration.ofHours(2))
                .metaTtl(Duration.ofHours(1)).build()).hasMessageContaining("RedisHubConfig.metaTtl");
        assertThatThrownBy(() -> RedisHubConfig.builder("redis://h").commandTimeout(null).build())
                .hasMessageContaining("RedisHubConfig.commandTimeout");
        assertThatThrownBy(() -> RedisHubConfig.builder("redis://h").probeInterval(Duration.ofSeconds(5))
                .probeTimeout(Duration.ofSeconds(5)).build()).hasMessageContaining("RedisHubConfig.probeTimeout");
        assertThatThrownBy(() -> RedisHubConfig.builder("redis://h").connectTimeout(Duration.ofSeconds(5))
                .startTimeout(Duration.ofSeconds(1)).build()).hasMessageContaining("RedisHubConfig.startTimeout");
        assertThatThrownBy(() -> RedisHubConfig.builder("redis://h").inboundQueue(1).build())
                .hasMessageContaining("RedisHubConfig.inboundQueue");
        assertThatThrownBy(() -> RedisHubConfig.builder("redis://h").maxInFlight(0).build())
                .hasMessageContaining("RedisHubConfig.maxInFlight");
    }
}
