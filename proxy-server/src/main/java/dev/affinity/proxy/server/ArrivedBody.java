package dev.affinity.proxy.server;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;

/**
 * Immutable. What of a client's body had already arrived when its request was handled, taken without
 * waiting: a small body usually comes in the same packets as its head. A whole body can go out with
 * the request head in one write, on the backend leg, and can be sent again to another member; a part
 * of one goes first, before the rest is streamed, as if it had never been read.
 *
 * <p>httpd's mod_proxy_http likewise reads up to 16 KiB of a body before it connects (its prefetch);
 * unlike httpd, nothing here waits for bytes still on their way, so a slow client's body streams to
 * the member as it comes.
 *
 * @param bytes what was read, never more than the request's Content-Length
 * @param whole whether that is all of the body
 */
record ArrivedBody(byte[] bytes, boolean whole) {

    /** Bodies up to this size are looked at, as httpd's MAX_MEM_SPOOL; larger ones stream as they are. */
    static final int MAX_LENGTH = 16 * 1024;

    /** Nothing was taken: the body, if any, is still all in the request. */
    static final ArrivedBody NONE = new ArrivedBody(new byte[0], false);

    /**
     * Takes what has arrived of a body with a Content-Length of at most {@link #MAX_LENGTH}, unless
     * the client waits for 100 Continue (reading would send it, which is the member's to answer) or
     * asks for an Upgrade. Returns {@link #NONE} when there is nothing to take. A body taken whole
     * leaves nothing for Jetty to read but the request's end, which is read too, so that the
     * connection's buffer goes back to the pool now ({@link ConnectionResumeExecutor#bodyTaken}).
     */
    static ArrivedBody take(Request request) {
        if (request instanceof CommonRequest common) {
            // Of the common shape: no Expect or Upgrade, and a body, if any, of at most MAX_LENGTH that
            // came whole with its head, in an array of its own: taken as it is.
            byte[] whole = common.takeBody();
            return whole == null || whole.length == 0 ? NONE : new ArrivedBody(whole, true);
        }
        long length = request.getLength();
        if (length <= 0 || length > MAX_LENGTH
                || Fields.hasEither(request.getHeaders(), HttpHeader.EXPECT, HttpHeader.UPGRADE)) {
            return NONE;
        }
        byte[] bytes = null;
        int read = 0;
        while (read < length) {
            Content.Chunk chunk = request.read();
            // null: nothing more has arrived. A failure that ends the body (the client closed early,
            // say) stays with the request: whoever reads on meets it, so the attempt reports it as
            // before. A passing one (an idle timeout while a read waits) needs a waiting read, and
            // nothing has waited yet.
            if (chunk == null || Content.Chunk.isFailure(chunk)) {
                break;
            }
            if (bytes == null) {
                bytes = new byte[(int) length];
            }
            ByteBuffer data = chunk.getByteBuffer();
            int n = Math.min(data.remaining(), bytes.length - read);
            data.get(bytes, read, n);
            read += n;
            chunk.release();
            if (chunk.isLast()) {
                break;
            }
        }
        if (read == 0) {
            // Nothing, or only empty chunks: the request still holds the whole body.
            return NONE;
        }
        if (read < bytes.length) {
            return new ArrivedBody(Arrays.copyOf(bytes, read), false);
        }
        ConnectionResumeExecutor.bodyTaken(request);
        return new ArrivedBody(bytes, true);
    }

    /** Whether the request still holds all of its body, so nothing was taken. */
    boolean none() {
        return bytes.length == 0;
    }
}
