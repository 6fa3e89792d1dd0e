package io.wshub.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The test's own Prometheus text parser accepts the format and refuses what breaks it. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PrometheusTextTest {

    private static final String GOOD = """
            # HELP a_total things, with a \\\\ backslash
            # TYPE a_total counter
            a_total{k="v",q="say \\"hi\\"\\n"} 3.0
            a_total{k="w"} 1e3 1700000000000
            # TYPE h histogram
            h_bucket{le="+Inf"} 2
            h_sum 0.5
            h_count 2
            # TYPE g gauge
            g NaN
            g{x="1"} -Inf
            """;

    @Test
    void shouldParseSamplesWithLabelsEscapesAndSpecialValues() {
        PrometheusText t = PrometheusText.parse(GOOD);
        assertThat(t.type("a_total")).isEqualTo("counter");
        assertThat(t.value("a_total", "q", "say \"hi\"\n", "k", "v")).isEqualTo(3.0);
        assertThat(t.value("a_total", "k", "w")).isEqualTo(1000.0);
        assertThat(t.value("h_count")).isEqualTo(2.0);
        assertThat(t.value("g")).isNaN();
        assertThat(t.value("g", "x", "1")).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(t.has("h_bucket")).isTrue();
        assertThatThrownBy(() -> t.value("a_total")).isInstanceOf(AssertionError.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "# TYPE a counter\na 1\na 2\n",                 // the same series twice
        "b 1\n",                                        // no TYPE
        "# TYPE a counter\na 1\n# TYPE a counter\n",    // TYPE twice
        "# TYPE a countr\na 1\n",                       // unknown type
        "# TYPE a gauge\na{k=\"v} 1\n",                 // unterminated label value
        "# TYPE a gauge\na{k=v} 1\n",                   // unquoted label value
        "# TYPE a gauge\na{k=\"\\t\"} 1\n",             // bad escape
        "# TYPE a gauge\na{1k=\"v\"} 1\n",              // bad label name
        "# TYPE a gauge\na one\n",                      // bad value
        "# TYPE a gauge\na 1 2 3\n",                    // extra field
        "# TYPE a gauge\na 1",                          // no final newline
        "# TYPE a gauge\n\na 1\n",                      // empty line
        "# TYPE a gauge\na-b 1\n",                      // bad metric name
        "# TYPE a gauge\na_sum 1\n",                    // a suffix of a type that has none
    })
    void shouldRefuseTextThatBreaksTheFormat(String text) {
        assertThatThrownBy(() -> PrometheusText.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }
}
