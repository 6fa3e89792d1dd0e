package io.wshub.benchmarks.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The summaries over rounds: medians, ranges, and client-bound runs marked and left out. */
class ReportTest {

    private static String load(double deliveredPerSec, long p99, boolean clientBound, long lost) {
        return String.format(Locale.ROOT, "{\"deliveredPerSec\": %.1f, \"delivered\": 1000, \"lost\": %d, "
                + "\"subscribers\": 1000, \"connectedSubscribers\": 1000, \"serverCpuSeconds\": 2.0, "
                + "\"deliveriesPerServerCpuSecond\": 500.0, \"busiestThreadCoreFraction\": %s, \"clientBound\": %s, "
                + "\"servers\": [{\"pid\": 1, \"cpuSeconds\": 2.0}], \"redisCpuUsPerPublication\": 12.5, "
                + "\"latencyUs\": {\"p50\": 10, \"p90\": 20, \"p99\": %d, \"p999\": 40, \"max\": 50, \"mean\": 11.0}}",
                deliveredPerSec, lost, clientBound ? "0.95" : "0.40", clientBound, p99);
    }

    @Test
    void ratiosCompareMediansOfTheRoundsThatWereNotClientBound(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("machine.txt"), "servers: wshub-undertow netty\ncases: sat-1000-64\n");
        Files.writeString(dir.resolve("wshub-undertow__sat-1000-64__r1.json"), load(100, 30, false, 0));
        Files.writeString(dir.resolve("wshub-undertow__sat-1000-64__r2.json"), load(1000, 30, true, 0));
        Files.writeString(dir.resolve("wshub-undertow__sat-1000-64__r3.json"), load(300, 30, false, 0));
        Files.writeString(dir.resolve("wshub-undertow__sat-1000-64__r1.server.json"),
                "{\"round\": 1, \"loadavgBefore\": \"1.25 0.50 0.10\", \"rssPeakKb\": 2048}");
        Files.writeString(dir.resolve("netty__sat-1000-64.json"), load(50, 30, false, 0)); // before rounds: round 1
        Files.writeString(dir.resolve("netty__sat-1000-64__r2.json"), load(150, 30, false, 0));

        Report.main(new String[] {dir.toString()});

        String md = Files.readString(dir.resolve("summary.md"));
        assertThat(md).contains("| wshub-undertow r1 | 1.25 0.50 0.10 | 100 |");
        assertThat(md).contains("wshub-undertow r2 **client-bound** (excluded)");
        assertThat(md).contains("| wshub-undertow | 2 of 3 | 200 (100–300) |");
        assertThat(md).contains("| netty | 2 of 2 | 100 (50.0–150) |");
        // (100 + 300) / 2 over (50 + 150) / 2; with the client-bound round it would be 300 / 100.
        assertThat(md).contains("| wshub-undertow | 2.00× |");
        assertThat(Files.readString(dir.resolve("chart-throughput.svg"))).contains("median of rounds");
    }

    @Test
    void redisReportComparesThreeNodesWithOneRoundByRound(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("single__sat__r1.json"), load(100_000, 30_000, false, 0));
        Files.writeString(dir.resolve("multi__sat__r1.json"), load(60_000, 31_000, false, 0));
        Files.writeString(dir.resolve("single__sat__r2.json"), load(100_000, 30_000, false, 0));
        Files.writeString(dir.resolve("multi__sat__r2.json"), load(10_000, 31_000, true, 0));
        Files.writeString(dir.resolve("single__lat__r1.json"), load(100_000, 5_000, false, 0));
        Files.writeString(dir.resolve("multi__lat__r1.json"), load(100_000, 8_500, false, 7));
        Files.writeString(dir.resolve("single__hop__r1.json"), load(300, 1_000, false, 0));
        Files.writeString(dir.resolve("multi__hop__r1.json"), load(300, 2_500, false, 0));
        Files.writeString(dir.resolve("multi__lat__r1.server.json"), "{\"loadavgBefore\": \"0.50 0.40 0.30\", "
                + "\"started\": true, \"nodes\": [{\"index\": 0, \"transport\": \"undertow\", \"pid\": 1, "
                + "\"diedBeforeStop\": false, \"stats\": {\"accepted\": 5, \"delivered\": 9, \"redis\": "
                + "{\"published\": 5, \"received\": 6, \"inboundDropped\": 0, \"publishFailed\": 0, "
                + "\"gapsDetected\": 0, \"gapsLost\": 0}}}]}");

        RedisReport.main(new String[] {dir.toString()});

        String md = Files.readString(dir.resolve("summary.md"));
        assertThat(md).contains("| 1 | n/a / n/a | 100,000 | 60,000 | 0.60 |");
        assertThat(md).contains("excluded (**client-bound**)");
        assertThat(md).contains("Target multi ÷ single ≥ 0.5: **met** (median of 1 usable round(s) of 2)");
        assertThat(md).contains("| +3.50 |");
        assertThat(md).contains("Target p99 multi − single ≤ +2 ms: **missed**");
        assertThat(md).contains("Loss in all 100 msg/s runs: 7 (**target 0 missed**) in the runs present; **2 run(s) missing**");
        assertThat(md).contains("| multi__lat__r1 | 0 | undertow |");
        String hop = md.substring(md.indexOf("## 100 msg/s, 3 subscribers"));
        assertThat(hop).contains("| +1.50 |").contains("Target p99 multi − single ≤ +2 ms: **met** (median of 1 usable "
                + "round(s) of 2)").contains("Loss in all 3-subscriber runs: 0");
    }
}
