package org.petl.models.weights;

import java.util.zip.ZipFile;

/** Dev tool: prints the float initializers and nodes of an ONNX model inside a jar (args: jar entry). */
public final class OnnxDump {
    public static void main(String[] args) throws Exception {
        try (ZipFile z = new ZipFile(args[0])) {
            OnnxGraph g = OnnxGraph.read(z.getInputStream(z.getEntry(args[1])), args[1]);
            g.initializers().forEach((k, v) -> System.out.println("INIT " + k + " " + v.shapeString()));
            for (OnnxGraph.Node n : g.nodes()) System.out.println("NODE " + n.opType() + " " + n.name() + " in=" + n.inputs() + " out=" + n.outputs());
        }
    }
}
