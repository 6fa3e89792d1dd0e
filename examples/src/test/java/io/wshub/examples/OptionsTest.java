package io.wshub.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wshub.examples.Options.Mode;
import io.wshub.examples.Options.Parsed;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(10)
class OptionsTest {

    @Test
    void shouldDefaultToChatOnUndertowAtLoopback8080() {
        assertThat(Options.parse()).isEqualTo(new Parsed.Run(
                new Options(Mode.CHAT, "undertow", "127.0.0.1", 8080, "/ws")));
        assertThat(Options.defaults().serverConfig().port()).isEqualTo(8080);
    }

    @Test
    void shouldReadEveryFlagInEitherForm() {
        assertThat(Options.parse("echo", "--transport", "java-websocket", "--host", "0.0.0.0", "--port", "0",
                "--path", "/echo")).isEqualTo(new Parsed.Run(
                new Options(Mode.ECHO, "java-websocket", "0.0.0.0", 0, "/echo")));
        assertThat(Options.parse("--port=9000", "--transport=undertow", "chat", "--path=/a/b", "--host=::1"))
                .isEqualTo(new Parsed.Run(new Options(Mode.CHAT, "undertow", "::1", 9000, "/a/b")));
    }

    @Test
    void shouldLetTheLastOfARepeatedFlagWin() {
        assertThat(Options.parse("--port", "1", "--port", "2")).isEqualTo(new Parsed.Run(
                new Options(Mode.CHAT, "undertow", "127.0.0.1", 2, "/ws")));
    }

    @Test
    void shouldAskForHelpWhereverTheFlagIs() {
        assertThat(Options.parse("--help")).isInstanceOf(Parsed.Help.class);
        assertThat(Options.parse("-h")).isInstanceOf(Parsed.Help.class);
        assertThat(Options.parse("echo", "--port", "nope", "--help")).isInstanceOf(Parsed.Help.class);
        assertThat(Options.parse("--bogus", "-h")).isInstanceOf(Parsed.Help.class);
        assertThat(Options.USAGE).contains("echo", "chat", "--transport", "--host", "--port", "--path", "--help");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            --bogus                      | unknown option '--bogus'
            --port=1 -x                  | unknown option '-x'
            talk                         | unknown mode 'talk': expected echo or chat
            echo chat                    | only one mode may be given, got 'echo' and 'chat'
            --port                       | --port needs a value
            echo --transport             | --transport needs a value
            --port nope                  | --port must be a number from 0 to 65535, was 'nope'
            --port=                      | --port must be a number from 0 to 65535, was ''
            --port -1                    | --port must be 0 to 65535, was -1
            --port 65536                 | --port must be 0 to 65535, was 65536
            --port 99999999999           | --port must be a number from 0 to 65535, was '99999999999'
            chat --port 65535            | --port must be 0 to 65534 for chat
            --transport netty            | --transport must be one of undertow, java-websocket, was 'netty'
            --transport Undertow         | --transport must be one of undertow, java-websocket, was 'Undertow'
            --host=                      | --host must be a host name or address, was ''
            --path ws                    | --path must start with '/'
            --path /a?b=1                | --path must start with '/' and hold no spaces, '?' or '#', was '/a?b=1'
            --path /a#b                  | --path must start with '/'
            """)
    void shouldSayWhatIsWrong(String line, String message) {
        Parsed parsed = Options.parse(line.split(" "));
        assertThat(parsed).isInstanceOf(Parsed.Invalid.class);
        assertThat(((Parsed.Invalid) parsed).message()).startsWith(message);
    }

    @Test
    void shouldRejectAPathWithWhitespace() {
        assertThat(Options.parse("--path", "/a b")).isEqualTo(new Parsed.Invalid(
                "--path must start with '/' and hold no spaces, '?' or '#', was '/a b'"));
    }

    @Test
    void shouldAllowPort65535ForEcho() {
        assertThat(Options.parse("echo", "--port", "65535")).isInstanceOf(Parsed.Run.class);
    }

    @Test
    void shouldServeThePageOnTheNextPortUpOrAnEphemeralOne() {
        assertThat(new Options(Mode.CHAT, "undertow", "127.0.0.1", 8080, "/ws").pagePort()).isEqualTo(8081);
        assertThat(new Options(Mode.CHAT, "undertow", "127.0.0.1", 0, "/ws").pagePort()).isZero();
    }

    @Test
    void shouldBracketIpv6LiteralsInUris() {
        assertThat(Options.uriHost("::1")).isEqualTo("[::1]");
        assertThat(Options.uriHost("[::1]")).isEqualTo("[::1]");
        assertThat(Options.uriHost("localhost")).isEqualTo("localhost");
    }

    @Test
    void shouldRefuseInvalidOptionsWhenBuiltDirectly() {
        assertThatThrownBy(() -> new Options(Mode.ECHO, "undertow", "127.0.0.1", 70000, "/ws"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--port");
    }
}
