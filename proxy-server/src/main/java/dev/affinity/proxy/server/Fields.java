package dev.affinity.proxy.server;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;

/**
 * Lookups in headers by index. Jetty's {@code HttpFields.contains} allocates an iterator per call,
 * and on the proxy's path each request asks a dozen such questions. Meant for the headers the proxy
 * reads and builds (a request's, HttpClient's, {@code HttpFields.build()}), which index in constant
 * time; Jetty's response headers (a {@link HttpFields.Mutable.Wrapper}) would walk their list for
 * each index, and never come here.
 */
final class Fields {

    private Fields() {
    }

    /** The index of the first field of this header at or after {@code from}, or -1. */
    static int next(HttpFields fields, HttpHeader header, int from) {
        return next(fields, header, header, from);
    }

    /** The index of the first field of either header at or after {@code from}, or -1. */
    private static int next(HttpFields fields, HttpHeader one, HttpHeader other, int from) {
        for (int i = from, n = fields.size(); i < n; i++) {
            HttpHeader header = fields.getField(i).getHeader();
            if (header == one || header == other) {
                return i;
            }
        }
        return -1;
    }

    /** Whether any field is this header. */
    static boolean has(HttpFields fields, HttpHeader header) {
        return next(fields, header, 0) >= 0;
    }

    /** Whether any field is one of these two headers. */
    static boolean hasEither(HttpFields fields, HttpHeader one, HttpHeader other) {
        return next(fields, one, other, 0) >= 0;
    }

    /**
     * The values of this header's fields, in order, as {@code HttpFields.getValuesList} gives them; for
     * none or one, in an unmodifiable list, without building one to grow (most requests carry one
     * Cookie field or none).
     */
    static List<String> values(HttpFields fields, HttpHeader header) {
        int first = next(fields, header, 0);
        if (first < 0) {
            return List.of();
        }
        int second = next(fields, header, first + 1);
        if (second < 0) {
            return Collections.singletonList(fields.getField(first).getValue());
        }
        List<String> values = new ArrayList<>();
        values.add(fields.getField(first).getValue());
        for (int i = second; i >= 0; i = next(fields, header, i + 1)) {
            values.add(fields.getField(i).getValue());
        }
        return values;
    }
}
