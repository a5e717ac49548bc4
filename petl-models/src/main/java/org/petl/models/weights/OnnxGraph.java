package org.petl.models.weights;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import org.petl.core.io.WeightFileException;
import org.petl.core.tensor.HostTensor;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of an ONNX ModelProto an importer needs: float initializers and the node list (op, name, inputs,
 * outputs). Parsed by hand with {@link CodedInputStream} so no generated ONNX classes are needed; streams the
 * input, so a model can be read straight out of a jar entry.
 */
public record OnnxGraph(Map<String, HostTensor> initializers, List<Node> nodes) {

    public record Node(String name, String opType, List<String> inputs, List<String> outputs) {
    }

    /** Parses a ModelProto from {@code in}; {@code source} names the file in error messages. */
    public static OnnxGraph read(InputStream in, String source) {
        CodedInputStream cis = CodedInputStream.newInstance(in, 1 << 20);
        cis.setSizeLimit(Integer.MAX_VALUE);
        Map<String, HostTensor> inits = new LinkedHashMap<>();
        List<Node> nodes = new ArrayList<>();
        boolean sawGraph = false;
        try {
            while (true) {
                int tag = cis.readTag();
                if (tag == 0) break;
                if (WireFormat.getTagFieldNumber(tag) == 7 && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                    int old = cis.pushLimit(cis.readRawVarint32());
                    readGraph(cis, inits, nodes, source);
                    cis.popLimit(old);
                    sawGraph = true;
                } else {
                    cis.skipField(tag);
                }
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof WeightFileException w) throw w;
            throw new WeightFileException(source + ": not a readable ONNX model (" + oneLine(e) + ")");
        }
        if (!sawGraph) throw new WeightFileException(source + ": not an ONNX model (no graph found)");
        return new OnnxGraph(inits, nodes);
    }

    private static void readGraph(CodedInputStream cis, Map<String, HostTensor> inits, List<Node> nodes, String source) throws IOException {
        while (true) {
            int tag = cis.readTag();
            if (tag == 0) return;
            int field = WireFormat.getTagFieldNumber(tag);
            if (field == 1 && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                int old = cis.pushLimit(cis.readRawVarint32());
                nodes.add(readNode(cis));
                cis.popLimit(old);
            } else if (field == 5 && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                int old = cis.pushLimit(cis.readRawVarint32());
                readTensor(cis, inits, source);
                cis.popLimit(old);
            } else {
                cis.skipField(tag);
            }
        }
    }

    private static Node readNode(CodedInputStream cis) throws IOException {
        List<String> inputs = new ArrayList<>(), outputs = new ArrayList<>();
        String name = "", op = "";
        while (true) {
            int tag = cis.readTag();
            if (tag == 0) break;
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> inputs.add(cis.readStringRequireUtf8());
                case 2 -> outputs.add(cis.readStringRequireUtf8());
                case 3 -> name = cis.readStringRequireUtf8();
                case 4 -> op = cis.readStringRequireUtf8();
                default -> cis.skipField(tag);
            }
        }
        return new Node(name, op, List.copyOf(inputs), List.copyOf(outputs));
    }

    private static void readTensor(CodedInputStream cis, Map<String, HostTensor> inits, String source) throws IOException {
        List<Long> dims = new ArrayList<>();
        int dataType = 0, dataLocation = 0;
        String name = "";
        byte[] raw = null;
        float[] floats = null;
        int floatCount = 0;
        while (true) {
            int tag = cis.readTag();
            if (tag == 0) break;
            int field = WireFormat.getTagFieldNumber(tag), wire = WireFormat.getTagWireType(tag);
            switch (field) {
                case 1 -> {
                    if (wire == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                        int old = cis.pushLimit(cis.readRawVarint32());
                        while (cis.getBytesUntilLimit() > 0) dims.add(cis.readInt64());
                        cis.popLimit(old);
                    } else {
                        dims.add(cis.readInt64());
                    }
                }
                case 2 -> dataType = cis.readInt32();
                case 4 -> {
                    if (wire == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                        int len = cis.readRawVarint32();
                        int old = cis.pushLimit(len);
                        floats = grow(floats, floatCount + len / 4);
                        while (cis.getBytesUntilLimit() > 0) floats[floatCount++] = cis.readFloat();
                        cis.popLimit(old);
                    } else {
                        floats = grow(floats, floatCount + 1);
                        floats[floatCount++] = cis.readFloat();
                    }
                }
                case 8 -> name = cis.readStringRequireUtf8();
                case 9 -> raw = cis.readByteArray();
                case 14 -> dataLocation = cis.readInt32();
                default -> cis.skipField(tag);
            }
        }
        // Only float initializers are weights; int64 shape constants and the like are graph plumbing.
        if (dataType != 1) return;
        if (dataLocation == 1) {
            throw new WeightFileException(source + ": initializer '" + name + "' keeps its data in an external file, which is not supported");
        }
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        long count = 1;
        for (long d : shape) count *= d;
        float[] data;
        if (raw != null) {
            if (raw.length != count * 4) {
                throw new WeightFileException(source + ": initializer '" + name + "' has " + raw.length + " bytes, shape " + java.util.Arrays.toString(shape) + " needs " + count * 4);
            }
            data = new float[(int) count];
            ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(data);
        } else {
            if (floatCount != count) {
                throw new WeightFileException(source + ": initializer '" + name + "' has " + floatCount + " floats, shape " + java.util.Arrays.toString(shape) + " needs " + count);
            }
            data = floats == null ? new float[0] : java.util.Arrays.copyOf(floats, floatCount);
        }
        inits.put(name, new HostTensor(shape, data));
    }

    private static float[] grow(float[] a, int need) {
        if (a == null) return new float[Math.max(need, 16)];
        if (a.length >= need) return a;
        return java.util.Arrays.copyOf(a, Math.max(need, a.length * 2));
    }

    static String oneLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.replace('\n', ' ');
    }
}
