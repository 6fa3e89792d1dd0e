package io.wshub.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.wshub.api.Message;
import io.wshub.api.StreamPosition;
import io.wshub.api.SubscribeResult;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ChatEnvelopeTest {

    private final ChatEnvelope envelope = new ChatEnvelope();

    @Test
    void shouldWrapTextAsAJsonString() {
        Message wrapped = envelope.wrap("chat", 7, "e1", Message.text("{\"type\":\"chat\",\"text\":\"a\\\\b\"}"));
        assertThat(((Message.Text) wrapped).asString()).isEqualTo(
                "{\"type\":\"message\",\"offset\":7,\"epoch\":\"e1\",\"data\":"
                        + "\"{\\\"type\\\":\\\"chat\\\",\\\"text\\\":\\\"a\\\\\\\\b\\\"}\"}");
    }

    @Test
    void shouldKeepEveryCharacterOfTheText() {
        String text = "tab\there, line\nbreak, \u0000, \uD83D\uDE00, ünï";
        Message wrapped = envelope.wrap("chat", 1, "e", Message.text(text));
        assertThat(new String(wrapped.copyPayload(), StandardCharsets.UTF_8)).isEqualTo(
                "{\"type\":\"message\",\"offset\":1,\"epoch\":\"e\",\"data\":"
                        + "\"tab\\there, line\\nbreak, \\u0000, \uD83D\uDE00, ünï\"}");
    }

    @Test
    void shouldWrapBinaryAsBase64() {
        Message wrapped = envelope.wrap("chat", 2, "e", Message.binary(new byte[] {1, 2, 3, (byte) 0xFF}));
        assertThat(wrapped).isInstanceOf(Message.Text.class);
        assertThat(((Message.Text) wrapped).asString()).isEqualTo(
                "{\"type\":\"message\",\"offset\":2,\"epoch\":\"e\",\"data\":\"AQID/w==\",\"encoding\":\"base64\"}");
    }

    @Test
    void shouldEscapeAnEpochThatHoldsAQuote() {
        Message wrapped = envelope.wrap("chat", 3, "a\"b\\c", Message.text(""));
        assertThat(((Message.Text) wrapped).asString()).isEqualTo(
                "{\"type\":\"message\",\"offset\":3,\"epoch\":\"a\\\"b\\\\c\",\"data\":\"\"}");
    }

    @Test
    void shouldDescribeTheRecovery() {
        assertThat(frame(new SubscribeResult("chat", true, true, 3, new StreamPosition(8, "ep")))).isEqualTo(
                "{\"type\":\"recovery\",\"recovered\":true,\"missed\":3,\"epoch\":\"ep\",\"offset\":8}");
        assertThat(frame(new SubscribeResult("chat", true, false, 0, new StreamPosition(8, "ep")))).isEqualTo(
                "{\"type\":\"recovery\",\"recovered\":false,\"missed\":0,\"epoch\":\"ep\",\"offset\":8}");
        assertThat(frame(new SubscribeResult("chat", false, false, 0, new StreamPosition(0, "ep")))).isEqualTo(
                "{\"type\":\"recovery\",\"recovered\":false,\"missed\":0,\"epoch\":\"ep\",\"offset\":0}");
        assertThat(frame(new SubscribeResult("chat", false, false, 0, null))).isEqualTo(
                "{\"type\":\"recovery\",\"recovered\":false,\"missed\":0,\"epoch\":null,\"offset\":0}");
    }

    private static String frame(SubscribeResult result) {
        return ((Message.Text) ChatEnvelope.recoveryFrame(result)).asString();
    }
}
