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

/** The README's conformance section shows the compiled example files, so the doc cannot drift from the code. */
class ConformanceDocTest {

    private static final Path EXAMPLES = Path.of("src/test/java/io/wshub/testkit/example");

    @Test
    @Timeout(10)
    void everyJavaBlockInTheDocIsTheBodyOfACompiledExample() throws IOException {
        String readme = Files.readString(Path.of("../README.md"), StandardCharsets.UTF_8);
        String heading = "## Running the conformance suite against your transport\n";
        int start = readme.indexOf(heading);
        assertThat(start).as("README has the conformance section").isNotNegative();
        int end = readme.indexOf("\n## ", start + heading.length());
        String doc = readme.substring(start, end < 0 ? readme.length() : end);
        List<String> blocks = javaBlocks(doc);
        assertThat(blocks).hasSize(2);
        assertThat(Files.readString(EXAMPLES.resolve("BlockingServerTransportVerificationTest.java")))
                .contains(blocks.get(0));
        assertThat(Files.readString(EXAMPLES.resolve("ReferenceHubVerificationTest.java"))).contains(blocks.get(1));
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
