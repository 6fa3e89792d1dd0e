package io.wshub.testkit.example;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The examples in CONFORMANCE.md are the compiled example files, so the doc cannot drift from the code. */
class ConformanceDocTest {

    private static final Path EXAMPLES = Path.of("src/test/java/io/wshub/testkit/example");

    @Test
    @Timeout(10)
    void everyJavaBlockInTheDocIsTheBodyOfACompiledExample() throws IOException {
        String doc = Files.readString(Path.of("CONFORMANCE.md"), StandardCharsets.UTF_8);
        List<String> blocks = javaBlocks(doc);
        assertThat(blocks).hasSize(2);
        assertThat(Files.readString(EXAMPLES.resolve("BlockingServerTransportVerificationTest.java")))
                .contains(blocks.get(0));
        assertThat(Files.readString(EXAMPLES.resolve("SimpleHubVerificationTest.java"))).contains(blocks.get(1));
        assertThat(doc).contains("## Running the conformance suite against your transport");
    }

    private static List<String> javaBlocks(String doc) {
        List<String> out = new ArrayList<>();
        int from = 0;
        while (true) {
            int start = doc.indexOf("```java\n", from);
            if (start < 0) {
                return out;
            }
            int end = doc.indexOf("```", start + 8);
            out.add(doc.substring(start + 8, end));
            from = end + 3;
        }
    }
}
