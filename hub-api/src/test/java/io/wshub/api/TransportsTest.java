package io.wshub.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wshub.api.spi.SessionIds;
import org.junit.jupiter.api.Test;

class TransportsTest {

    @Test
    void shouldListTransportsFoundByServiceLoader() {
        assertThat(Transports.available()).containsExactly(FakeTransportProvider.NAME);
        assertThat(Transports.provider(FakeTransportProvider.NAME)).isInstanceOf(FakeTransportProvider.class);
    }

    @Test
    void shouldNameAvailableTransportsWhenTheRequestedOneIsMissing() {
        assertThatThrownBy(() -> Transports.start("netty", ServerConfig.defaults(), Endpoints.echo()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("no WebSocket transport named 'netty' on the class path; available: [fake]");
    }

    @Test
    void shouldStartTheNamedTransport() throws Exception {
        try (RunningServer s = Transports.start("fake", ServerConfig.builder().port(0).build(), Endpoints.echo())) {
            assertThat(s.transportName()).isEqualTo("fake");
            assertThat(s.uri().toString()).isEqualTo("ws://127.0.0.1:0/ws");
        }
    }

    @Test
    void shouldAllocateIncreasingUniqueSessionIds() {
        long a = SessionIds.next();
        long b = SessionIds.next();
        assertThat(a).isPositive();
        assertThat(b).isGreaterThan(a);
    }
}
