package dev.affinity.proxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.http.HttpVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * MemberResponseParser against Jetty's HttpParser: for each response, fed whole and cut in two at
 * every byte, with and without the connection ending after it, with a client that takes the body at
 * once or one that stops the parser at each piece, and cut short by the member's close at every byte,
 * the handler sees the same events (status, each field's header, name and value, the body's pieces,
 * the end, an early EOF or a bad message). And the common shape is parsed without Jetty's parser, the
 * rest with it.
 */
class MemberResponseParserTest {

    private static final String NGINX = "HTTP/1.1 200 OK\r\nServer: nginx\r\nDate: Wed, 25 Nov 2026 14:48:41 GMT\r\n"
            + "Content-Type: text/plain\r\nContent-Length: 19\r\nConnection: keep-alive\r\nX-Node: node1\r\n\r\n"
            + "hello, from node1!\n";

    /** Responses of the common shape: parsed without Jetty's parser. */
    static Stream<String> commonShape() {
        return Stream.of(
                NGINX,
                "HTTP/1.1 302 Found\r\nLocation: http://10.0.0.1:8080/login\r\nSet-Cookie: BALANCEID=balancer.node1; Path=/\r\n"
                        + "Set-Cookie: JSESSIONID=ABC123.node1; Path=/; HttpOnly\r\nContent-Length: 0\r\n\r\n",
                "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 5\r\n\r\nhello",
                "HTTP/1.1 404 Not Found\r\nContent-Type: text/html;charset=utf-8\r\nContent-Length: 3\r\n\r\nnop",
                "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n\r\n",
                "HTTP/1.1 599 \r\nContent-Length: 1\r\n\r\nx",
                "HTTP/1.1 500  Internal  Error  \r\nContent-Length: 2\r\n\r\nno",
                // names in any case, with or without a space after the colon, known and unknown
                "HTTP/1.1 200 OK\r\ncontent-length: 4\r\nx-node:node1\r\nserver:nginx\r\nCONTENT-TYPE: text/plain\r\n"
                        + "location:\t/x\r\nSERVER: nginx\r\ncontent-type:text/html\r\n\r\nbody",
                // whitespace around and inside values, empty values
                "HTTP/1.1 200 OK\r\nX-A:  two spaces\r\nX-B:\ttab\r\nX-C: trailing \t \r\nX-D: in\tside\r\nX-E:\r\nX-F: \r\n"
                        + "Server:\r\nVary: \r\nContent-Length: 007\r\n\r\n1234567",
                // a cached value spelled exactly, after one space or two
                "HTTP/1.1 200 OK\r\nContent-Type:  text/plain\r\nAccept-Ranges: bytes\r\nContent-Length:  0\r\n\r\n",
                // cached values spelled otherwise: Jetty respells them right after "Name: ", wholly or in part
                "HTTP/1.1 200 \r\nContent-Type: text/html;charset=UTF-8\r\nContent-Length: 2\r\n\r\nok",
                "HTTP/1.1 200 OK\r\nCache-Control: No-Cache, private\r\nAccept-Ranges: Bytes\r\nConnection: Keep-Alive\r\n"
                        + "Content-Type: TEXT/PLAIN\r\ncontent-length: 0\r\n\r\n",
                "HTTP/1.1 200 OK\r\nContent-Type:  TEXT/PLAIN\r\nContent-Encoding:\tGZIP\r\nPragma:No-Cache\r\n"
                        + "Content-Type: Text/Plain;Charset=UTF-8x\r\nContent-Type: text/htmlX \r\nContent-Length: 0\r\n\r\n",
                "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Type: text/plainx\r\n\r\nabc",
                // a head past the first kilobyte looked at
                "HTTP/1.1 200 OK\r\n" + "X-Long: " + "v".repeat(1500) + "\r\nContent-Length: 2\r\n\r\nok",
                // a large body, and bytes after the response
                "HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\n" + "b".repeat(3000),
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n");
    }

    /** Responses for Jetty's parser: its framing rules, or malformed. */
    static Stream<String> otherShapes() {
        return Stream.of(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
                "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
                "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
                "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the close",
                "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n",
                "HTTP/1.1 304 Not Modified\r\nContent-Length: 19\r\n\r\n",
                "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n",
                "HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok",
                "HTTP/1.1 2x0 OK\r\nContent-Length: 2\r\n\r\nok",
                "HTTP/1.1 600 Odd\r\nContent-Length: 2\r\n\r\nok",
                "HTTP/2.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
                "\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
                "HTTP/1.1 200 OK\r\nX-Folded: one\r\n two\r\nContent-Length: 2\r\n\r\nok",
                "HTTP/1.1 200 OK\r\nX-Space : no\r\nContent-Length: 2\r\n\r\nok",
                "HTTP/1.1 200 OK\nContent-Length: 2\n\nok",
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-CR: a\rb\r\n\r\nok",
                "HTTP/1.1 200 OK\r\nX-Nul: a\0b\r\nContent-Length: 2\r\n\r\nok",
                "HTTP/1.1 200 OK\r\nX-Del: a\u007fb\r\nContent-Length: 2\r\n\r\nok",
                "HTTP/1.1 200 OK\r\nX-Latin: caf\u00e9\r\nContent-Length: 2\r\n\r\nok",
                "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\nok",
                "HTTP/1.1 200 OK\r\nContent-Length: 1000000000000000000\r\n\r\nok",
                "HTTP/1.1 200 OK\r\nHost: example.com\r\nContent-Length: 2\r\n\r\nok",
                "HTTP/1.1 200 OK\r\n" + "X-Many: v\r\n".repeat(70) + "Content-Length: 2\r\n\r\nok",
                "HTTP/1.1 200 OK\r\n" + "X-Huge: " + "v".repeat(20_000) + "\r\nContent-Length: 2\r\n\r\nok");
    }

    @ParameterizedTest
    @MethodSource("commonShape")
    void theCommonShapeGivesJettysEventsWithoutJettysParser(String response) {
        assertSameEventsAsJetty(response, false);
        assertFalse(parsedByJetty(response), "parsed by Jetty's parser");
    }

    @ParameterizedTest
    @MethodSource("otherShapes")
    void everyOtherShapeGoesToJettysParser(String response) {
        assertSameEventsAsJetty(response, false);
        assertTrue(parsedByJetty(response), "not parsed by Jetty's parser");
    }

    /** Whether the response, in one buffer, goes to Jetty's parser. */
    private static boolean parsedByJetty(String response) {
        MemberResponseParser parser = new MemberResponseParser(new Recorder());
        parser.parseNext(direct(bytes(response)));
        return parser.parsingWithJetty();
    }

    @Test
    void theAnswerToHeadHasNoBodyWhateverItsLengthSays() {
        assertSameEventsAsJetty("HTTP/1.1 200 OK\r\nContent-Length: 19\r\nContent-Type: text/plain\r\n\r\n", true);
    }

    @Test
    void tomcatsCharsetIsSpelledAsJettySpellsItAsWithJettysParser() {
        String response = "HTTP/1.1 200 \r\nContent-Type: text/html;charset=UTF-8\r\nContent-Length: 0\r\n\r\n";
        Recorder recorder = new Recorder();
        MemberResponseParser parser = new MemberResponseParser(recorder);
        feed(recorder, parser::parseNext, bytes(response), List.of());
        assertFalse(parser.parsingWithJetty());
        assertTrue(recorder.events.contains("field Content-Type|Content-Type|text/html;charset=utf-8"), recorder.events.toString());
    }

    @Test
    void anInterimResponseThenTheFinalOneInOneReadAsWithJetty() {
        byte[] bytes = bytes("HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n" + NGINX);
        Recorder expected = new Recorder();
        HttpParser jetty = MemberResponseParser.jettyParser(expected);
        parseWithInterim(expected, jetty::parseNext, jetty::reset, bytes);
        Recorder actual = new Recorder();
        MemberResponseParser ours = new MemberResponseParser(actual);
        parseWithInterim(actual, ours::parseNext, ours::reset, bytes);
        assertEquals(expected.events, actual.events);
        assertFalse(ours.parsingWithJetty(), "the final response after the interim one: parsed here");
    }

    @Test
    void aHandlerThatThrowsEndsTheResponseAsJettysParserWould() {
        // Before the head is handed on: a bad response. Once it is: the response cut short.
        Recorder recorder = new Recorder() {
            @Override
            public boolean headerComplete() {
                throw new IllegalStateException("no");
            }
        };
        MemberResponseParser parser = new MemberResponseParser(recorder);
        ByteBuffer buffer = direct(bytes(NGINX));
        assertFalse(parser.parseNext(buffer));
        assertEquals("badMessage 502 Bad Response", recorder.events.get(recorder.events.size() - 1));
        assertFalse(buffer.hasRemaining());
        parser.reset();
        assertFalse(parser.parseNext(direct(bytes(NGINX))), "a failed parser parses no more");

        Recorder midBody = new Recorder() {
            @Override
            public boolean content(ByteBuffer content) {
                throw new IllegalStateException("no");
            }
        };
        parser = new MemberResponseParser(midBody);
        assertFalse(parser.parseNext(direct(bytes(NGINX))));
        assertEquals(List.of("messageBegin", "headerComplete", "earlyEOF"),
                midBody.events.stream().filter(e -> !e.startsWith("start") && !e.startsWith("field")).toList());
    }

    /** As BackendConnection: after an interim response's end, a reset, then the final response. */
    private static void parseWithInterim(Recorder recorder, Function<ByteBuffer, Boolean> parser, Runnable reset, byte[] bytes) {
        ByteBuffer buffer = direct(bytes);
        for (int rounds = 0; rounds < 100 && buffer.hasRemaining(); rounds++) {
            if (parser.apply(buffer) && recorder.events.contains("start HTTP/1.1 103 Early Hints")
                    && recorder.events.stream().filter("messageComplete"::equals).count() == 1) {
                reset.run();
            }
        }
        parser.apply(buffer);
    }

    @Test
    void aResponseAfterAnotherOnTheSameConnectionIsParsedAfresh() {
        Recorder recorder = new Recorder();
        MemberResponseParser parser = new MemberResponseParser(recorder);
        String chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n";
        feed(recorder, parser::parseNext, bytes(chunked), List.of());
        parser.reset();
        feed(recorder, parser::parseNext, bytes(NGINX), List.of());
        assertFalse(parser.parsingWithJetty());
        parser.reset();
        feed(recorder, parser::parseNext, bytes(chunked), List.of());
        assertTrue(parser.parsingWithJetty());
        assertEquals(3, recorder.events.stream().filter("messageComplete"::equals).count(), recorder.events.toString());
    }

    /**
     * Answers one after another on one connection whose lines repeat at the same place, or nearly:
     * the same fields as Jetty's parser gives, whatever changed (the value, its last character, the
     * name as sent, the space after the colon, the order, an empty value); and a line the same as the
     * one before at its place is given as the same field again, made once.
     */
    @Test
    void fieldsThatRepeatFromOneAnswerToTheNextAreJettysAndMadeOnce() {
        String end = "Content-Length: 2\r\n\r\nok";
        List<String> answers = List.of(
                "HTTP/1.1 200 OK\r\nServer: nginx\r\nX-Node: node1\r\n" + end,
                "HTTP/1.1 200 OK\r\nServer: nginx\r\nX-Node: node1\r\n" + end,
                "HTTP/1.1 200 OK\r\nServer: nginx\r\nX-Node: node2\r\n" + end,
                "HTTP/1.1 200 OK\r\nServer: nginx2\r\nX-Node: node\r\n" + end,
                "HTTP/1.1 200 OK\r\nServer: nginx\r\nx-node: node\r\n" + end,
                "HTTP/1.1 200 OK\r\nServer:nginx\r\nx-node:  node \r\n" + end,
                "HTTP/1.1 200 OK\r\nserver:nginx\r\nX-Node: node\r\n" + end,
                "HTTP/1.1 200 OK\r\nServer: nginx\r\nX-Node: node\r\n" + end,
                "HTTP/1.1 200 OK\r\nX-Node: node\r\nServer: nginx\r\n" + end,
                "HTTP/1.1 200 OK\r\nServer: \r\nX-Node:\r\n" + end,
                "HTTP/1.1 200 OK\r\nServer: \r\nX-Node:\r\n" + end,
                "HTTP/1.1 200 OK\r\nServer: nginx\r\nX-Node: node1\r\n" + end);
        Recorder expected = new Recorder();
        HttpParser jetty = jetty(expected, false);
        List<HttpField> fields = new ArrayList<>();
        Recorder actual = new Recorder() {
            @Override
            public void parsedHeader(HttpField field) {
                fields.add(field);
                super.parsedHeader(field);
            }
        };
        MemberResponseParser ours = new MemberResponseParser(actual);
        List<Integer> firstField = new ArrayList<>();
        for (String answer : answers) {
            firstField.add(fields.size());
            feed(expected, jetty::parseNext, bytes(answer), List.of());
            jetty.reset();
            feed(actual, ours::parseNext, bytes(answer), List.of());
            ours.reset();
            assertFalse(ours.parsingWithJetty(), answer);
        }
        assertEquals(expected.events, actual.events);
        // Server and X-Node of the second answer are the first's; X-Node of the third is not.
        assertSame(fields.get(firstField.get(0)), fields.get(firstField.get(1)));
        assertSame(fields.get(firstField.get(0) + 1), fields.get(firstField.get(1) + 1));
        assertSame(fields.get(firstField.get(1)), fields.get(firstField.get(2)));
        assertNotSame(fields.get(firstField.get(1) + 1), fields.get(firstField.get(2) + 1));
        // The empty values repeat too.
        assertSame(fields.get(firstField.get(9)), fields.get(firstField.get(10)));
        assertSame(fields.get(firstField.get(9) + 1), fields.get(firstField.get(10) + 1));
    }

    @ParameterizedTest
    @MethodSource({"commonShape", "otherShapes"})
    void aResponseCutShortByTheMembersCloseEndsAsWithJetty(String response) {
        byte[] bytes = bytes(response);
        int step = bytes.length > 4000 ? 97 : 1;
        for (int end = 0; end < bytes.length; end += step) {
            byte[] sent = Arrays.copyOf(bytes, end);
            Recorder expected = new Recorder();
            HttpParser jetty = jetty(expected, false);
            feed(expected, jetty::parseNext, sent, List.of());
            jetty.atEOF();
            feed(expected, jetty::parseNext, new byte[0], List.of());
            Recorder actual = new Recorder();
            MemberResponseParser ours = new MemberResponseParser(actual);
            feed(actual, ours::parseNext, sent, List.of());
            ours.atEOF();
            feed(actual, ours::parseNext, new byte[0], List.of());
            assertEquals(expected.events, actual.events, "closed after " + end + " bytes");
        }
    }

    /** The same events from both parsers, for the response whole and cut at every byte, then at its end or not. */
    private static void assertSameEventsAsJetty(String response, boolean head) {
        byte[] bytes = bytes(response);
        for (List<Integer> cut : ParserStops.cuts(bytes.length)) {
            for (int variant = 0; variant < 2 * ParserStops.ALL; variant++) {
                boolean eofAfter = (variant & 1) != 0;
                Recorder expected = new Recorder(new ParserStops(variant >> 1));
                HttpParser jetty = jetty(expected, head);
                expected.counts(jetty::getContentRead, jetty::getContentLength);
                feed(expected, jetty::parseNext, bytes, cut);
                Recorder actual = new Recorder(new ParserStops(variant >> 1));
                MemberResponseParser ours = new MemberResponseParser(actual);
                ours.setHeadResponse(head);
                actual.counts(ours::getContentRead, ours::getContentLength);
                feed(actual, ours::parseNext, bytes, cut);
                if (eofAfter) {
                    jetty.atEOF();
                    feed(expected, jetty::parseNext, new byte[0], List.of());
                    ours.atEOF();
                    feed(actual, ours::parseNext, new byte[0], List.of());
                }
                assertEquals(expected.events, actual.events, "cut at " + cut + (eofAfter ? ", then the end" : "")
                        + ", handler stopping the parser at " + expected.stopsAt());
            }
        }
    }

    private static HttpParser jetty(Recorder recorder, boolean head) {
        HttpParser parser = MemberResponseParser.jettyParser(recorder);
        parser.setHeadResponse(head);
        return parser;
    }

    /**
     * Feeds the pieces as BackendConnection does: each in a direct buffer, parsed until the parser
     * takes no more of it; a true return is recorded, and parsing goes on; so are bytes left untaken.
     */
    private static void feed(Recorder recorder, Function<ByteBuffer, Boolean> parser, byte[] bytes, List<Integer> cuts) {
        List<Integer> bounds = new ArrayList<>(cuts);
        bounds.add(bytes.length);
        int from = 0;
        for (int to : bounds) {
            ByteBuffer buffer = direct(Arrays.copyOfRange(bytes, from, to));
            for (int rounds = 0; rounds < 10_000; rounds++) {
                int before = buffer.remaining();
                try {
                    if (parser.apply(buffer)) {
                        recorder.events.add("(stopped)");
                        continue;
                    }
                } catch (AssertionError jettys) {
                    // Jetty's parser asserts (tests run with -ea) when it fails a response after a 2xx
                    // status line: its exception wants an error status. Both parsers must get there.
                    recorder.events.add("Jetty's assertion");
                    return;
                }
                if (!buffer.hasRemaining() || buffer.remaining() == before) {
                    break;
                }
            }
            if (buffer.hasRemaining()) {
                recorder.events.add("(" + buffer.remaining() + " bytes not taken)");
            }
            from = to;
        }
    }

    private static ByteBuffer direct(byte[] bytes) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(bytes.length);
        buffer.put(bytes).flip();
        return buffer;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * Writes down every event, the body's bytes as text with the parser's count of the body read so
     * far. It may stop the parser (return true) where BackendConnection does: at the end of the head
     * (the exchange ended elsewhere), at each piece of the body (a write to the client pending), at the
     * end (always, in BackendConnection and by default here); and, beyond what BackendConnection does,
     * at the end of the body.
     */
    private static class Recorder implements HttpParser.ResponseHandler {
        final List<String> events = new ArrayList<>();
        private final ParserStops stops;
        private LongSupplier read = () -> -2;
        private LongSupplier length = () -> -2;

        Recorder() {
            this(new ParserStops(ParserStops.AT_END));
        }

        Recorder(ParserStops stops) {
            this.stops = stops;
        }

        void counts(LongSupplier contentRead, LongSupplier contentLength) {
            this.read = contentRead;
            this.length = contentLength;
        }

        ParserStops stopsAt() {
            return stops;
        }

        @Override
        public void messageBegin() {
            events.add("messageBegin");
        }

        @Override
        public void startResponse(HttpVersion version, int status, String reason) {
            events.add("start " + version + " " + status + " " + reason);
        }

        @Override
        public void parsedHeader(HttpField field) {
            events.add("field " + field.getHeader() + "|" + field.getName() + "|" + field.getValue());
        }

        @Override
        public boolean headerComplete() {
            events.add("headerComplete");
            return stops.atHead();
        }

        @Override
        public boolean content(ByteBuffer content) {
            byte[] piece = new byte[content.remaining()];
            content.get(piece);
            events.add("content " + new String(piece, StandardCharsets.ISO_8859_1)
                    + " (" + read.getAsLong() + " of " + length.getAsLong() + ")");
            return stops.atEachPiece();
        }

        @Override
        public boolean contentComplete() {
            events.add("contentComplete");
            return stops.atBodyEnd();
        }

        @Override
        public boolean messageComplete() {
            events.add("messageComplete");
            return stops.atEnd();
        }

        @Override
        public void earlyEOF() {
            events.add("earlyEOF");
        }

        @Override
        public void badMessage(HttpException failure) {
            events.add("badMessage " + failure.getCode() + " " + failure.getReason());
        }
    }
}
