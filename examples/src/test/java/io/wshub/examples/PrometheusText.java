package io.wshub.examples;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * A strict parser of the Prometheus text exposition format, version 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/): every line must be a {@code # HELP}, a
 * {@code # TYPE}, another comment, or a sample; a family's {@code TYPE} comes once and before its samples; a sample
 * belongs to a declared family (with the {@code _bucket}, {@code _sum} and {@code _count} suffixes for histograms and
 * summaries); names, label names, escapes and values follow the format's grammar; no series appears twice; the text
 * ends with a newline. Anything else throws {@link IllegalArgumentException} naming the line.
 */
final class PrometheusText {

    private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Pattern VALUE =
            Pattern.compile("[+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?|NaN|[+-]Inf");
    private static final Pattern TIMESTAMP = Pattern.compile("-?[0-9]+");
    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

    /** One sample: a metric name, its labels (sorted by name) and its value. */
    record Sample(String name, Map<String, String> labels, double value) {
    }

    private final Map<String, String> types;
    private final Map<String, Sample> samples;

    private PrometheusText(Map<String, String> types, Map<String, Sample> samples) {
        this.types = types;
        this.samples = samples;
    }

    /**
     * Parses a scrape.
     *
     * @param text the scrape; not null
     * @return the parsed families and samples
     * @throws IllegalArgumentException at the first line that breaks the format
     */
    static PrometheusText parse(String text) {
        if (!text.isEmpty() && !text.endsWith("\n")) {
            throw new IllegalArgumentException("the text does not end with a newline");
        }
        Map<String, String> types = new HashMap<>();
        Map<String, String> helps = new HashMap<>();
        Map<String, Sample> samples = new LinkedHashMap<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length - 1; i++) {
            String line = lines[i];
            int number = i + 1;
            try {
                if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
                    String[] parts = line.substring(7).split(" ", 2);
                    String name = parts[0];
                    requireMatch(METRIC_NAME, name, "metric name");
                    if (line.startsWith("# HELP ")) {
                        String help = parts.length > 1 ? parts[1] : "";
                        checkEscapes(help, false);
                        if (helps.put(name, help) != null) {
                            throw new IllegalArgumentException("second HELP for " + name);
                        }
                    } else {
                        if (parts.length != 2 || !TYPES.contains(parts[1])) {
                            throw new IllegalArgumentException("unknown TYPE");
                        }
                        if (types.put(name, parts[1]) != null) {
                            throw new IllegalArgumentException("second TYPE for " + name);
                        }
                        for (Sample s : samples.values()) {
                            if (family(s.name(), Map.of(name, parts[1])) != null) {
                                throw new IllegalArgumentException("TYPE for " + name + " after its samples");
                            }
                        }
                    }
                } else if (line.startsWith("#")) {
                    continue; // another comment
                } else if (line.isEmpty()) {
                    throw new IllegalArgumentException("empty line");
                } else {
                    Sample s = sample(line);
                    if (family(s.name(), types) == null) {
                        throw new IllegalArgumentException("sample of an undeclared family: " + s.name());
                    }
                    String key = s.name() + s.labels();
                    if (samples.put(key, s) != null) {
                        throw new IllegalArgumentException("series appears twice: " + key);
                    }
                }
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("line " + number + " (" + line + "): " + e.getMessage(), e);
            }
        }
        return new PrometheusText(types, samples);
    }

    /** The family a sample name belongs to, given the declared types, or null. */
    private static String family(String sampleName, Map<String, String> types) {
        if (types.containsKey(sampleName)) {
            return sampleName;
        }
        for (String suffix : new String[] {"_bucket", "_sum", "_count"}) {
            if (sampleName.endsWith(suffix)) {
                String base = sampleName.substring(0, sampleName.length() - suffix.length());
                String type = types.get(base);
                if ("histogram".equals(type) || ("summary".equals(type) && !suffix.equals("_bucket"))) {
                    return base;
                }
            }
        }
        return null;
    }

    private static Sample sample(String line) {
        int at = 0;
        while (at < line.length() && line.charAt(at) != '{' && line.charAt(at) != ' ') {
            at++;
        }
        String name = line.substring(0, at);
        requireMatch(METRIC_NAME, name, "metric name");
        Map<String, String> labels = new TreeMap<>();
        if (at < line.length() && line.charAt(at) == '{') {
            at++;
            while (line.charAt(at) != '}') {
                int eq = line.indexOf('=', at);
                if (eq < 0) {
                    throw new IllegalArgumentException("label without '='");
                }
                String label = line.substring(at, eq);
                requireMatch(LABEL_NAME, label, "label name");
                if (eq + 1 >= line.length() || line.charAt(eq + 1) != '"') {
                    throw new IllegalArgumentException("label value not quoted");
                }
                StringBuilder value = new StringBuilder();
                int j = eq + 2;
                while (true) {
                    if (j >= line.length()) {
                        throw new IllegalArgumentException("unterminated label value");
                    }
                    char c = line.charAt(j);
                    if (c == '"') {
                        break;
                    }
                    if (c == '\\') {
                        char e = j + 1 < line.length() ? line.charAt(j + 1) : 0;
                        value.append(switch (e) {
                            case '\\' -> '\\';
                            case '"' -> '"';
                            case 'n' -> '\n';
                            default -> throw new IllegalArgumentException("bad escape in a label value");
                        });
                        j += 2;
                    } else {
                        value.append(c);
                        j++;
                    }
                }
                if (labels.put(label, value.toString()) != null) {
                    throw new IllegalArgumentException("label " + label + " twice");
                }
                at = j + 1;
                if (at < line.length() && line.charAt(at) == ',') {
                    at++;
                } else if (at >= line.length() || line.charAt(at) != '}') {
                    throw new IllegalArgumentException("expected ',' or '}' after a label");
                }
            }
            at++;
        }
        if (at >= line.length() || line.charAt(at) != ' ') {
            throw new IllegalArgumentException("expected a space before the value");
        }
        String[] rest = line.substring(at + 1).split(" ", -1);
        if (rest.length > 2) {
            throw new IllegalArgumentException("extra fields after the value");
        }
        requireMatch(VALUE, rest[0], "value");
        if (rest.length == 2) {
            requireMatch(TIMESTAMP, rest[1], "timestamp");
        }
        double value = switch (rest[0]) {
            case "NaN" -> Double.NaN;
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(rest[0]);
        };
        return new Sample(name, Collections.unmodifiableMap(labels), value);
    }

    private static void checkEscapes(String s, boolean quotes) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '\\') {
                char e = i + 1 < s.length() ? s.charAt(i + 1) : 0;
                if (e != '\\' && e != 'n' && !(quotes && e == '"')) {
                    throw new IllegalArgumentException("bad escape in HELP");
                }
                i++;
            }
        }
    }

    private static void requireMatch(Pattern p, String s, String what) {
        if (!p.matcher(s).matches()) {
            throw new IllegalArgumentException("not a valid " + what + ": '" + s + "'");
        }
    }

    /**
     * Returns the declared type of a family.
     *
     * @param family the family name
     * @return its type, or null if it is not declared
     */
    String type(String family) {
        return types.get(family);
    }

    /**
     * Returns the value of the one sample with this name and exactly these labels.
     *
     * @param name the sample name
     * @param labels label names and values, alternating
     * @return its value
     * @throws AssertionError if there is no such sample
     */
    double value(String name, String... labels) {
        Map<String, String> wanted = new TreeMap<>();
        for (int i = 0; i < labels.length; i += 2) {
            wanted.put(labels[i], labels[i + 1]);
        }
        Sample s = samples.get(name + wanted);
        if (s == null) {
            throw new AssertionError("no sample " + name + wanted);
        }
        return s.value();
    }

    /**
     * Returns whether any sample has this name.
     *
     * @param name the sample name
     * @return {@code true} if at least one sample has it
     */
    boolean has(String name) {
        return samples.values().stream().anyMatch(s -> s.name().equals(name));
    }

    /**
     * Scrapes {@code metrics} until the scrape, parsed strictly, meets the condition (meters read snapshots that are
     * up to 100 ms old), failing after {@link TestClient#WAIT} with the last scrape.
     *
     * @param metrics the {@code /metrics} URI
     * @param condition what the scrape must show
     * @return the first scrape that shows it
     */
    static PrometheusText await(URI metrics, Predicate<PrometheusText> condition) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(TestClient.WAIT).build();
        long deadline = System.nanoTime() + TestClient.WAIT.toNanos();
        while (true) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(metrics).timeout(TestClient.WAIT).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new AssertionError("GET " + metrics + " answered " + r.statusCode());
            }
            PrometheusText t = parse(r.body());
            if (condition.test(t)) {
                return t;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the scrape of " + metrics + " did not reach the expected values within "
                        + TestClient.WAIT + ":\n" + r.body());
            }
            Thread.sleep(50);
        }
    }
}
