package io.wshub.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wshub.api.CloseCode;
import io.wshub.api.Message;
import io.wshub.api.StreamPosition;
import io.wshub.testkit.TestEnvelope.Publication;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The test envelope encodes what {@link TestEnvelope#parse} reads back, and counts wraps per publication. */
class TestEnvelopeTest {

    @Test
    @Timeout(10)
    void everyKindOfMessageAndAnyTopicRoundTrip() {
        Message[] messages = {Message.text("h\u00e9llo \u2713 \ud83d\ude00"), Message.text(""),
            Message.binary(new byte[] {0, (byte) 0xff, 32, 10}), Message.binary(new byte[0]),
            Message.ping(new byte[] {1, 2}), Message.pong(new byte[0]), Message.close(CloseCode.NORMAL_CLOSURE, "bye")};
        String[] topics = {"t", "a topic with spaces ", "", "\u00fcber/ \ud83d\ude00"};
        for (String topic : topics) {
            for (Message m : messages) {
                Message wrapped = TestEnvelope.encode(topic, 42, "ep~1", m);
                assertThat(TestEnvelope.isEnvelope(wrapped)).isTrue();
                Publication p = TestEnvelope.parse(wrapped);
                assertThat(p.topic()).isEqualTo(topic);
                assertThat(p.offset()).isEqualTo(42);
                assertThat(p.epoch()).isEqualTo("ep~1");
                assertThat(p.message()).isEqualTo(m);
                assertThat(p.message().kind()).isEqualTo(m.kind());
                assertThat(p.position()).isEqualTo(new StreamPosition(42, "ep~1"));
            }
        }
        assertThat(TestEnvelope.parse(TestEnvelope.encode("t", 1, "e", Message.text("x"))).text()).isEqualTo("x");
    }

    @Test
    @Timeout(10)
    void whatIsNotAnEnvelopeIsRejectedWithWhatItIs() {
        assertThat(TestEnvelope.isEnvelope(Message.text("plain"))).isFalse();
        assertThat(TestEnvelope.isEnvelope(Message.binary(new byte[] {1}))).isFalse();
        assertThatThrownBy(() -> TestEnvelope.parse(Message.text("plain"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a TestEnvelope message: text 'plain'");
        assertThatThrownBy(() -> TestEnvelope.parse(Message.text(TestEnvelope.PREFIX + "x e TEXT 1 t eA==")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("malformed");
        assertThatThrownBy(() -> TestEnvelope.parse(Message.text(TestEnvelope.PREFIX + "1 e TEXT 9 t eA==")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("malformed");
        assertThatThrownBy(() -> TestEnvelope.encode("t", 1, "has space", Message.text("x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("epoch");
        assertThatThrownBy(() -> TestEnvelope.parse(TestEnvelope.encode("t", 1, "e", Message.binary(new byte[1])))
                .text()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    @Timeout(10)
    void wrapsAreCountedPerPublication() {
        TestEnvelope envelope = new TestEnvelope();
        assertThat(envelope.maxWrapsPerPublication()).isZero();
        Message m = Message.text("m");
        envelope.wrap("a", 1, "e", m);
        envelope.wrap("a", 2, "e", m);
        envelope.wrap("b", 1, "e", m);
        assertThat(envelope.maxWrapsPerPublication()).isEqualTo(1);
        envelope.wrap("a", 2, "e", m);
        assertThat(envelope.wrapCount()).isEqualTo(4);
        assertThat(envelope.wrapCount("a", "e", 2)).isEqualTo(2);
        assertThat(envelope.wrapCount("a", "other", 2)).isZero();
        assertThat(envelope.maxWrapsPerPublication()).isEqualTo(2);
    }
}
