package io.wshub.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a chat's recovery frame said ({@link ChatEnvelope#recoveryFrame}), for tests.
 *
 * @param recovered whether the client was brought back to its position
 * @param missed how many messages the replay holds
 * @param epoch the chat's epoch
 * @param offset the chat's offset when the client subscribed
 */
record Recovery(boolean recovered, long missed, String epoch, long offset) {

    private static final Pattern FRAME = Pattern.compile(
            "\\{\"type\":\"recovery\",\"recovered\":(true|false),\"missed\":(\\d+),"
                    + "\"epoch\":\"([^\"\\\\]+)\",\"offset\":(\\d+)\\}");

    /** Reads the client's next event, which must be a recovery frame. */
    static Recovery read(TestClient client) throws InterruptedException {
        TestClient.Event e = client.next();
        assertThat(e).as("the first frame is the recovery frame").isInstanceOf(TestClient.Text.class);
        Matcher m = FRAME.matcher(((TestClient.Text) e).text());
        assertThat(m.matches()).as("a recovery frame: %s", e).isTrue();
        return new Recovery(Boolean.parseBoolean(m.group(1)), Long.parseLong(m.group(2)), m.group(3),
                Long.parseLong(m.group(4)));
    }
}
