package dev.affinity.proxy.server;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;

/**
 * Lookups in headers by index. Jetty's {@code HttpFields.contains} allocates an iterator per call,
 * and on the proxy's path each request asks a dozen such questions. The request's headers and those
 * the proxy builds index in constant time; a {@link HttpFields.Mutable.Wrapper} (a response's, in
 * Jetty) would walk its list for each index, so it is asked the usual way.
 */
final class Fields {

    private Fields() {
    }

    /** Whether any field is this header. */
    static boolean has(HttpFields fields, HttpHeader header) {
        return first(fields, header) != null;
    }

    /** Whether any field is one of these two headers. */
    static boolean hasEither(HttpFields fields, HttpHeader one, HttpHeader other) {
        if (fields instanceof HttpFields.Mutable.Wrapper) {
            return fields.contains(one) || fields.contains(other);
        }
        for (int i = 0, n = fields.size(); i < n; i++) {
            HttpHeader header = fields.getField(i).getHeader();
            if (header == one || header == other) {
                return true;
            }
        }
        return false;
    }

    /** The first field of this header, or null. */
    static HttpField first(HttpFields fields, HttpHeader header) {
        if (fields instanceof HttpFields.Mutable.Wrapper) {
            return fields.getField(header);
        }
        for (int i = 0, n = fields.size(); i < n; i++) {
            HttpField field = fields.getField(i);
            if (field.getHeader() == header) {
                return field;
            }
        }
        return null;
    }
}
