package io.wshub.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wshub.examples.Options.Mode;
import io.wshub.examples.Options.Parsed;
import java.time.Duration;
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
    void shouldReadTheHistoryBoundsAndDefaultToTheChatServers() {
        assertThat(Options.defaults().history()).isEqualTo(ChatServer.DEFAULT_HISTORY).isEqualTo(500);
        assertThat(Options.defaults().historyTtl()).isEqualTo(ChatServer.DEFAULT_HISTORY_TTL)
                .isEqualTo(Duration.ofMinutes(5));
        assertThat(Options.parse("--history", "50", "--history-ttl", "90s")).isEqualTo(new Parsed.Run(
                new Options(Mode.CHAT, "undertow", "127.0.0.1", 8080, "/ws", 50, Duration.ofSeconds(90))));
        assertThat(Options.parse("--history=1", "--history-ttl=1ms")).isEqualTo(new Parsed.Run(
                new Options(Mode.CHAT, "undertow", "127.0.0.1", 8080, "/ws", 1, Duration.ofMillis(1))));
        assertThat(Options.parse("--history", "1000", "--history-ttl", "30d")).isEqualTo(new Parsed.Run(
                new Options(Mode.CHAT, "undertow", "127.0.0.1", 8080, "/ws", 1_000, Duration.ofDays(30))));
        assertThat(Options.parse("--history-ttl", "2h")).isInstanceOfSatisfying(Parsed.Run.class,
                r -> assertThat(r.options().historyTtl()).isEqualTo(Duration.ofHours(2)));
        assertThat(Options.parse("--history-ttl", "10m")).isInstanceOfSatisfying(Parsed.Run.class,
                r -> assertThat(r.options().historyTtl()).isEqualTo(Duration.ofMinutes(10)));
        assertThat(Options.USAGE).contains("--history N", "--history-ttl T");
    }

    @Test
    void shouldSayWhyTheHistoryIsBounded() {
        assertThat(Options.parse("--history", "1001")).isEqualTo(new Parsed.Invalid("--history must be 1 to 1000 "
                + "(a replay must fit a client's queue of 1024 messages), was 1001"));
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
            --history                    | --history needs a value
            --history 0                  | --history must be 1 to 1000 (a replay must fit a client's queue of 1024
            --history=1001               | --history must be 1 to 1000
            --history lots               | --history must be a number from 1 to 1000, was 'lots'
            --history 99999999999        | --history must be a number from 1 to 1000, was '99999999999'
            --history -5                 | --history must be 1 to 1000
            --history-ttl 5              | --history-ttl must be a number and a unit (ms, s, m, h or d) such as 90s
            --history-ttl 1w             | --history-ttl must be a number and a unit (ms, s, m, h or d) such as 90s
            --history-ttl=m              | --history-ttl must be a number and a unit
            --history-ttl 1.5h           | --history-ttl must be a number and a unit
            --history-ttl 0s             | --history-ttl must be 1ms to 30d, was 0s
            --history-ttl 31d            | --history-ttl must be 1ms to 30d, was 31d
            --history-ttl 721h           | --history-ttl must be 1ms to 30d, was 721h
            --history-ttl 9999999999d    | --history-ttl must be a number and a unit
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
        assertThatThrownBy(() -> new Options(Mode.CHAT, "undertow", "127.0.0.1", 0, "/ws", 10, Duration.ofNanos(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--history-ttl must be 1ms to 30d, was PT0.000000001S");
    }

    @Test
    void shouldReadTheRedisUriAsGivenAndCheckItWhenTheChatStarts() {
        assertThat(Options.defaults().redis()).isNull();
        assertThat(Options.defaults().redisConfig()).isNull();
        Options o = ((Parsed.Run) Options.parse("--redis", "redis://127.0.0.1:6379", "--history", "50",
                "--history-ttl", "90s")).options();
        assertThat(o).isEqualTo(new Options(Mode.CHAT, "undertow", "127.0.0.1", 8080, "/ws", 50,
                Duration.ofSeconds(90), "redis://127.0.0.1:6379"));
        assertThat(o.redisConfig().address()).isEqualTo("redis://127.0.0.1:6379");
        assertThat(o.redisConfig().streamSize()).as("the stream every node recovers from").isEqualTo(50);
        assertThat(o.redisConfig().streamTtl()).isEqualTo(Duration.ofSeconds(90));
        assertThat(((Parsed.Run) Options.parse("--redis=redis://h:1", "--history-ttl", "30d")).options()
                .redisConfig().metaTtl()).as("positions outlive the stream").isEqualTo(Duration.ofDays(30));
        Options wrong = ((Parsed.Run) Options.parse("--redis", "not-a-uri")).options();
        assertThatThrownBy(wrong::redisConfig).isInstanceOf(IllegalArgumentException.class).hasMessage(
                "--redis must be a Redis URI such as redis://127.0.0.1:6379, was 'not-a-uri' (URI scheme must not "
                        + "be null)");
        assertThat(Options.parse("--redis")).isEqualTo(new Parsed.Invalid("--redis needs a value"));
        assertThat(Options.parse("echo", "--redis", "redis://127.0.0.1:6379")).isEqualTo(new Parsed.Invalid(
                "--redis is for chat only: echo has nothing to share between processes"));
        assertThat(Options.USAGE).contains("--redis URI");
    }

    @Test
    void shouldHideTheUserAndPasswordOfAUriAndKeepMessagesOnOneLine() {
        assertThat(Options.withoutPassword("redis://user:pw@host:1/0")).isEqualTo("redis://***@host:1/0");
        assertThat(Options.withoutPassword("redis://host:1")).isEqualTo("redis://host:1");
        assertThat(Options.withoutPassword("not-a-uri@x")).isEqualTo("not-a-uri@x");
        assertThat(Options.oneLine(" a\n  b\tc ")).isEqualTo("a b c");
        assertThat(Options.oneLine(null)).isEmpty();
    }
}
