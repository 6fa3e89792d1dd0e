package io.wshub.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.wshub.api.HandshakeRequest;
import io.wshub.api.HandshakeVerdict;
import io.wshub.api.StreamPosition;
import io.wshub.examples.RecoveryQuery.Parsed;
import java.net.InetSocketAddress;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(10)
class RecoveryQueryTest {

    @ParameterizedTest(name = "''{0}''")
    @CsvSource(delimiter = '|', emptyValue = "", textBlock = """
            ''
            token=abc
            a&&b=&=c
            bad%zz=1
            """)
    void shouldLeaveAPlainClientPlain(String query) {
        assertThat(RecoveryQuery.parse(query)).isEqualTo(new Parsed.Valid(null));
    }

    @Test
    void shouldReadRecoverWithAndWithoutAPosition() {
        assertThat(RecoveryQuery.parse("recover=1")).isEqualTo(new Parsed.Valid(new RecoveryQuery(null)));
        assertThat(RecoveryQuery.parse("x=y&recover=1&z")).isEqualTo(new Parsed.Valid(new RecoveryQuery(null)));
        assertThat(RecoveryQuery.parse("recover=1&offset=42&epoch=Ab-9_x")).isEqualTo(
                new Parsed.Valid(new RecoveryQuery(new StreamPosition(42, "Ab-9_x"))));
        assertThat(RecoveryQuery.parse("epoch=e&offset=0&recover=1")).isEqualTo(
                new Parsed.Valid(new RecoveryQuery(new StreamPosition(0, "e"))));
        assertThat(RecoveryQuery.parse("recover=1&offset=9223372036854775807&epoch=%7Be%22%7D")).isEqualTo(
                new Parsed.Valid(new RecoveryQuery(new StreamPosition(Long.MAX_VALUE, "{e\"}"))));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            recover=0                                  | recover must be 1, was '0'
            recover                                    | recover must be 1, was ''
            recover=yes                                | recover must be 1, was 'yes'
            recover=1&recover=1                        | recover may be given only once
            offset=3&epoch=e                           | offset and epoch need recover=1
            epoch=e                                    | offset and epoch need recover=1
            recover=1&offset=3                         | offset and epoch must be given together
            recover=1&epoch=e                          | offset and epoch must be given together
            recover=1&offset=abc&epoch=e               | offset must be a whole number from 0 to 9223372036854775807
            recover=1&offset=-1&epoch=e                | offset must be a whole number from 0 to
            recover=1&offset=%2B1&epoch=e              | offset must be a whole number from 0 to
            recover=1&offset=&epoch=e                  | offset must be a whole number from 0 to
            recover=1&offset=1.5&epoch=e               | offset must be a whole number from 0 to
            recover=1&offset=9223372036854775808&epoch=e | offset must be a whole number from 0 to
            recover=1&offset=99999999999999999999&epoch=e | offset must be a whole number from 0 to
            recover=1&offset=1&offset=2&epoch=e        | offset may be given only once
            recover=1&offset=1&epoch=                  | epoch must be 1 to 64 characters, was 0
            recover=1&offset=1&epoch=a%20b             | epoch must be printable ASCII without spaces, has 0x20
            recover=1&offset=1&epoch=a+b               | epoch must be printable ASCII without spaces, has 0x20
            recover=1&offset=1&epoch=%C3%A9            | epoch must be printable ASCII without spaces, has 0xe9
            recover=1&offset=1&epoch=%zz               | epoch is not well-formed URL encoding
            recover=1&offset=1&epoch=e&epoch=f         | epoch may be given only once
            """)
    void shouldSayWhatIsWrong(String query, String reason) {
        Parsed parsed = RecoveryQuery.parse(query);
        assertThat(parsed).isInstanceOf(Parsed.Invalid.class);
        assertThat(((Parsed.Invalid) parsed).reason()).startsWith(reason);
    }

    @Test
    void shouldQuoteTheWrongOffset() {
        assertThat(RecoveryQuery.parse("recover=1&offset=%2B1&epoch=e")).isEqualTo(new Parsed.Invalid(
                "offset must be a whole number from 0 to 9223372036854775807, was '+1'"));
        assertThat(RecoveryQuery.parse("recover=1&offset=9223372036854775808&epoch=e")).isEqualTo(new Parsed.Invalid(
                "offset must be a whole number from 0 to 9223372036854775807, was '9223372036854775808'"));
        assertThat(RecoveryQuery.parse("recover=1&offset=%0A&epoch=e")).isEqualTo(new Parsed.Invalid(
                "offset must be a whole number from 0 to 9223372036854775807, was '?'"));
    }

    @Test
    void shouldRefuseATooLongEpochWithoutEchoingAllOfIt() {
        String epoch = "e".repeat(65);
        assertThat(RecoveryQuery.parse("recover=1&offset=1&epoch=" + epoch)).isEqualTo(
                new Parsed.Invalid("epoch must be 1 to 64 characters, was 65"));
        Parsed parsed = RecoveryQuery.parse("recover=1&offset=" + "9".repeat(100) + "&epoch=e");
        assertThat(((Parsed.Invalid) parsed).reason()).endsWith("was '" + "9".repeat(40) + "...'");
    }

    @Test
    void shouldAnswerAMalformedQueryWith400AndAcceptTheRestWithTheRequestAsAnAttribute() {
        assertThat(RecoveryQuery.POLICY.evaluate(request("recover=1&offset=x&epoch=e"))).isEqualTo(
                HandshakeVerdict.reject(400, "offset must be a whole number from 0 to 9223372036854775807, was 'x'"));
        assertThat(RecoveryQuery.POLICY.evaluate(request(""))).isEqualTo(HandshakeVerdict.accept());
        assertThat(RecoveryQuery.POLICY.evaluate(request("recover=1&offset=5&epoch=e"))).isEqualTo(
                HandshakeVerdict.accept(null, Map.of(RecoveryQuery.ATTRIBUTE,
                        new RecoveryQuery(new StreamPosition(5, "e")))));
    }

    private static HandshakeRequest request(String query) {
        return new HandshakeRequest("/ws", query, Map.of(), new InetSocketAddress("127.0.0.1", 40000));
    }
}
