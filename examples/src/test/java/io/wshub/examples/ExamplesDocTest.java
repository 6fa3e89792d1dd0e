package io.wshub.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The README's "Examples" section shows code and usage that really are in the examples. */
@Timeout(30)
class ExamplesDocTest {

    private static final Path README = Path.of("../README.md");
    private static final Pattern BLOCK = Pattern.compile("```(\\w*)\\n(.*?)```", Pattern.DOTALL);

    private static List<String[]> blocks() throws IOException {
        Matcher m = BLOCK.matcher(section(Files.readString(README), "## Examples\n"));
        List<String[]> blocks = new ArrayList<>();
        while (m.find()) {
            blocks.add(new String[] {m.group(1), m.group(2)});
        }
        return blocks;
    }

    /** The text from a level-2 heading to the next one. */
    static String section(String doc, String heading) {
        int start = doc.indexOf(heading);
        assertThat(start).as("README has the section " + heading.strip()).isNotNegative();
        int end = doc.indexOf("\n## ", start + heading.length());
        return doc.substring(start, end < 0 ? doc.length() : end);
    }

    @Test
    void shouldShowOnlyCodeThatIsInTheSources() throws IOException {
        Set<String> sourceLines;
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            sourceLines = files.filter(p -> p.toString().endsWith(".java")).flatMap(p -> {
                try {
                    return Files.readAllLines(p).stream();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).map(String::strip).collect(Collectors.toSet());
        }
        List<String> javaBlocks = blocks().stream().filter(b -> b[0].equals("java")).map(b -> b[1]).toList();
        assertThat(javaBlocks).hasSizeGreaterThanOrEqualTo(3);
        for (String block : javaBlocks) {
            for (String line : block.split("\n")) {
                if (!line.isBlank()) {
                    assertThat(sourceLines).as("the README's Examples section shows a line the sources do not have")
                            .contains(line.strip());
                }
            }
        }
    }

    @Test
    void shouldShowTheRealUsage() throws IOException {
        String usage = Options.USAGE.replace(System.lineSeparator(), "\n");
        assertThat(blocks()).anySatisfy(b -> assertThat(b[1]).startsWith("usage: ").satisfies(
                text -> assertThat(usage).startsWith(text)));
    }
}
