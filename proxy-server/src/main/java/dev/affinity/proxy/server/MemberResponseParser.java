package dev.affinity.proxy.server;

import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpCompliance;
import org.eclipse.jetty.http.HttpParser;

/**
 * Parses a member's responses for {@link BackendConnection}, giving its handler the events Jetty's
 * {@link HttpParser} gives, in the same order. A response of the common shape
 * ({@link SimpleResponseHead}: a small head with a Content-Length, as nginx, Tomcat or Jetty send
 * for most answers) is parsed here: its head in one pass, its body counted out of the buffers. Any
 * other (1xx, 204 and 304 answers, chunked or close-delimited bodies, the answer to HEAD, a head split
 * across reads, anything malformed) goes, whole, to Jetty's parser, which also decides what is
 * malformed.
 *
 * <p>Why not Jetty's parser for every response: it reads a head one byte at a time through its state
 * machine, and looks each field up, character by character, in a trie of some 300 common fields. On a
 * member's small answer (six fields, a 19-byte body) that was a fifth of the proxy's user time per
 * request (async-profiler, bench scenario sticky-64), the largest single item in it; see
 * docs/performance.md, 2026-11-25 15:00 UTC.
 *
 * <p>Not thread-safe: one per connection, used by the thread parsing it.
 */
final class MemberResponseParser {

    private enum Mode { START, CONTENT, END, JETTY }

    private final HttpParser.ResponseHandler handler;
    private final HttpParser jetty;
    private boolean jettyUsed;
    private Mode mode = Mode.START;
    private boolean headResponse;
    private boolean eof;
    private long contentLength = -1;
    private long contentRead;
    private final SimpleResponseHead simple = new SimpleResponseHead();

    MemberResponseParser(HttpParser.ResponseHandler handler) {
        this.handler = handler;
        this.jetty = new HttpParser(handler, -1, HttpCompliance.RFC7230);
        // No header cache per connection, as on the clients' side (AffinityProxy): memory for each one.
        jetty.setHeaderCacheSize(0);
    }

    /** Ready for the next response, as {@link HttpParser#reset()}. */
    void reset() {
        mode = Mode.START;
        contentLength = -1;
        contentRead = 0;
        if (jettyUsed) {
            jetty.reset();
            jettyUsed = false;
        }
    }

    void setHeadResponse(boolean head) {
        headResponse = head;
        jetty.setHeadResponse(head);
    }

    void atEOF() {
        eof = true;
        jetty.atEOF();
    }

    long getContentLength() {
        return mode == Mode.JETTY ? jetty.getContentLength() : contentLength;
    }

    long getContentRead() {
        return mode == Mode.JETTY ? jetty.getContentRead() : contentRead;
    }

    /** Whether the response in progress went to Jetty's parser (for the tests of which shapes do). */
    boolean parsingWithJetty() {
        return mode == Mode.JETTY;
    }

    /** As {@link HttpParser#parseNext(ByteBuffer)}: true when a handler method returned true. */
    boolean parseNext(ByteBuffer buffer) {
        switch (mode) {
            case START:
                if (!buffer.hasRemaining() && !eof) {
                    return false;
                }
                int headLength = headResponse || eof ? SimpleResponseHead.NOT_SIMPLE : simple.scan(buffer);
                if (headLength < 0) {
                    return toJetty(buffer);
                }
                simple.emit(handler);
                buffer.position(buffer.position() + headLength);
                contentLength = simple.contentLength();
                mode = Mode.CONTENT;
                if (handler.headerComplete()) {
                    return true;
                }
                return content(buffer);
            case CONTENT:
                return content(buffer);
            case JETTY:
                return jetty.parseNext(buffer);
            default:
                return false; // END: the response is complete, the rest is the caller's to judge
        }
    }

    private boolean toJetty(ByteBuffer buffer) {
        mode = Mode.JETTY;
        jettyUsed = true;
        return jetty.parseNext(buffer);
    }

    /** The body, up to its length, as Jetty delivers it: a view of each buffer's share. */
    private boolean content(ByteBuffer buffer) {
        while (contentRead < contentLength) {
            int remaining = buffer.remaining();
            if (remaining == 0) {
                if (eof) {
                    mode = Mode.END;
                    handler.earlyEOF();
                }
                return false;
            }
            int length = (int) Math.min(remaining, contentLength - contentRead);
            ByteBuffer chunk = buffer.slice(buffer.position(), length);
            contentRead += length;
            buffer.position(buffer.position() + length);
            if (handler.content(chunk)) {
                return true;
            }
        }
        mode = Mode.END;
        boolean handleContent = handler.contentComplete();
        boolean handleMessage = handler.messageComplete();
        return handleContent || handleMessage;
    }
}
