package io.wshub.benchmarks.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wshub.api.BroadcastEndpoint;
import io.wshub.api.HandshakePolicy;
import io.wshub.api.RunningServer;
import io.wshub.api.ServerConfig;
import io.wshub.api.Transports;
import io.wshub.disruptor.DisruptorHub;
import io.wshub.disruptor.DisruptorHubConfig;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The load tool against a real broadcast hub served by both transports at once (so one set of clients spread over two
 * URLs sees every message): results merged over several reader threads, the closed loop across them, and the command
 * line. Functional only: no assertion on any time or rate.
 */
@Timeout(120)
class LoadToolTest {

    private DisruptorHub hub;
    private RunningServer undertow;
    private RunningServer javaWebSocket;

    @BeforeEach
    void start() throws java.io.IOException {
        hub = DisruptorHub.start(DisruptorHubConfig.builder().build());
        BroadcastEndpoint endpoint = new BroadcastEndpoint(hub, false);
        ServerConfig config = ServerConfig.builder().host("127.0.0.1").port(0).path("/ws").build();
        undertow = Transports.start("undertow", config, endpoint, HandshakePolicy.acceptAll());
        javaWebSocket = Transports.start("java-websocket", config, endpoint, HandshakePolicy.acceptAll());
    }

    @AfterEach
    void stop() {
        if (undertow != null) {
            undertow.stop();
        }
        if (javaWebSocket != null) {
            javaWebSocket.stop();
        }
        if (hub != null) {
            hub.shutdown(Duration.ofSeconds(5));
        }
    }

    private String url(RunningServer s) {
        return "ws://127.0.0.1:" + s.port() + "/ws";
    }

    @Test
    void closedLoopOverThreeReadersAndTwoServersLosesNothingAndMergesEveryCount() throws Exception {
        Options o = Options.parse(new String[] {"--urls", url(undertow) + "," + url(javaWebSocket), "--readers", "3",
            "--subscribers", "10", "--publishers", "2", "--window", "8", "--rate", "0", "--duration", "700ms",
            "--warmup", "200ms", "--drain", "10s", "--server-pid", Long.toString(ProcessHandle.current().pid())});

        Result r = LoadTool.run(o);

        assertThat(r.connected).isEqualTo(12);
        assertThat(r.connectedSubscribers).isEqualTo(10);
        assertThat(r.connectFailures).isZero();
        assertThat(r.readers).isEqualTo(3);
        assertThat(r.urls).hasSize(2);
        // Past the first window: the publishers' windows advanced on completions counted by three threads.
        assertThat(r.sent).isGreaterThan(2L * 8);
        assertThat(r.stalls).isZero();
        assertThat(r.lost).isZero();
        assertThat(r.gaps).isZero();
        assertThat(r.reordered).isZero();
        assertThat(r.received).isEqualTo(r.sent * 10);
        assertThat(r.delivered).isPositive().isLessThanOrEqualTo(r.received);
        assertThat(r.p50).isGreaterThanOrEqualTo(0);
        assertThat(r.max).isGreaterThanOrEqualTo(r.p99);
        assertThat(r.threads).extracting(Result.ThreadCpu::name)
                .containsExactly("load-reader-0", "load-reader-1", "load-reader-2");
        assertThat(r.threads).allSatisfy(t -> assertThat(t.cpuSeconds()).isGreaterThanOrEqualTo(0));
        assertThat(r.busiestThreadCoreFraction).isGreaterThanOrEqualTo(0);
        assertThat(r.clientBound).isEqualTo(r.busiestThreadCoreFraction > LoadTool.CLIENT_BOUND_CORE_FRACTION);
        assertThat(r.servers).extracting(Result.ServerCpu::pid).containsExactly(ProcessHandle.current().pid());
        assertThat(r.serverCpuSeconds).isGreaterThanOrEqualTo(0);
        assertThat(r.json()).contains("\"clientBound\": ", "\"clientThreads\": [{\"name\": \"load-reader-0\"",
                "\"deliveriesPerServerCpuSecond\": ", "\"urls\": [\"" + url(undertow) + "\", ");
        assertThat(r.table()).contains("client bound", "server cpu");
    }

    @Test
    void fixedRateOverTwoReadersDeliversEverySentMessageToEverySubscriber() throws Exception {
        Options o = Options.parse(new String[] {"--url", url(undertow), "--readers", "2", "--subscribers", "7",
            "--publishers", "3", "--rate", "300", "--duration", "500ms", "--warmup", "200ms", "--drain", "10s"});

        Result r = LoadTool.run(o);

        assertThat(r.connected).isEqualTo(10);
        assertThat(r.sent).isPositive();
        assertThat(r.sentMeasured).isPositive().isLessThanOrEqualTo(r.sent);
        assertThat(r.lost).isZero();
        assertThat(r.gaps).isZero();
        assertThat(r.received).isEqualTo(r.sent * 7);
        assertThat(r.servers).isEmpty();
        assertThat(r.serverCpuSeconds).isEqualTo(-1);
        assertThat(r.redisPid).isEqualTo(-1);
    }

    @Test
    void moreReadersThanConnectionsUsesOneThreadPerConnection() throws Exception {
        Options o = Options.parse(new String[] {"--url", url(javaWebSocket), "--readers", "8", "--subscribers", "2",
            "--publishers", "1", "--duration", "300ms", "--warmup", "100ms", "--drain", "10s"});

        Result r = LoadTool.run(o);

        assertThat(r.readers).isEqualTo(3);
        assertThat(r.lost).isZero();
        assertThat(r.received).isEqualTo(r.sent * 2);
    }

    @Test
    void parsesListsOfUrlsAndPids() {
        Options o = Options.parse(new String[] {"--urls", "ws://127.0.0.1:1/ws, ws://127.0.0.1:2/x,",
            "--server-pid", "12,34,", "--redis-pid", "56"});
        assertThat(o.urls).containsExactly(URI.create("ws://127.0.0.1:1/ws"), URI.create("ws://127.0.0.1:2/x"));
        assertThat(o.serverPids).containsExactly(12L, 34L);
        assertThat(o.redisPid).isEqualTo(56);
        assertThat(o.readers).isEqualTo(2);
        assertThat(Options.parse(new String[] {"--server-pid", ""}).serverPids).isEmpty();
        assertThat(Options.parse(new String[] {"--server-pid", "7"}).serverPids).isEqualTo(List.of(7L));
        assertThatThrownBy(() -> Options.parse(new String[] {"--urls", "http://127.0.0.1:1/ws"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ws://host:port/path");
        assertThatThrownBy(() -> Options.parse(new String[] {"--readers", "0"}))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void readsUserPlusSystemTimeEvenWhenTheCommandHasSpacesAndParentheses() {
        String stat = "4242 (java (main) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 30 0 123 456 789";
        assertThat(ProcStat.parseCpuTicks(stat)).isEqualTo(325);
        assertThat(ProcStat.cpuTicks(ProcessHandle.current().pid())).isGreaterThanOrEqualTo(0);
        assertThat(ProcStat.cpuTicks(-1)).isEqualTo(-1);
    }
}
