package io.wshub.benchmarks.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads another process's CPU time and the machine's load average from {@code /proc} (Linux only).
 *
 * <p>Thread-safety: stateless.
 */
final class ProcStat {

    /** Clock ticks per second of {@code /proc/PID/stat} (USER_HZ, 100 on every Linux the tool runs on). */
    static final double TICKS_PER_SECOND = 100.0;

    private ProcStat() {
    }

    /**
     * Returns a process's user + system CPU time in clock ticks.
     *
     * @param pid the process
     * @return the ticks, or -1 if the process is gone or the file cannot be read
     */
    static long cpuTicks(long pid) {
        if (pid <= 0) {
            return -1;
        }
        try {
            return parseCpuTicks(Files.readString(Path.of("/proc/" + pid + "/stat")));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * Parses utime + stime out of the text of a {@code /proc/PID/stat} file.
     *
     * @param stat the file's text
     * @return utime + stime in clock ticks
     */
    static long parseCpuTicks(String stat) {
        // The command (field 2) is in parentheses and may hold spaces; the fields after it start with the state.
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        // state is field 3, utime field 14, stime field 15 (1-based in proc(5)), so 11 and 12 after the state's 0.
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /**
     * Returns the machine's 1, 5 and 15 minute load averages as {@code /proc/loadavg} shows them.
     *
     * @return such as {@code "0.52 0.31 0.20"}, or an empty string if unknown
     */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f.length >= 3 ? f[0] + " " + f[1] + " " + f[2] : "";
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
