package dev.affinity.proxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.junit.jupiter.api.Test;

class FieldsTest {

    @Test
    void valuesAreEachFieldsValueInOrderAsJettyGivesThem() {
        HttpFields none = HttpFields.build().add(HttpHeader.HOST, "a");
        HttpFields one = HttpFields.build().add(HttpHeader.HOST, "a").add(HttpHeader.COOKIE, "a=1; b=2");
        HttpFields three = HttpFields.build().add(HttpHeader.COOKIE, "a=1").add(HttpHeader.HOST, "a")
                .add(HttpHeader.COOKIE, "b=2, c=3").add("X-Other", "x").add(HttpHeader.COOKIE, "");
        for (HttpFields fields : List.of(none, one, three)) {
            assertEquals(fields.getValuesList(HttpHeader.COOKIE), Fields.values(fields, HttpHeader.COOKIE), fields.toString());
        }
        assertEquals(List.of("a=1", "b=2, c=3", ""), Fields.values(three, HttpHeader.COOKIE));
        assertEquals(List.of("a=1; b=2"), Fields.values(one, HttpHeader.COOKIE));
        assertEquals(List.of(), Fields.values(none, HttpHeader.COOKIE));
    }
}
