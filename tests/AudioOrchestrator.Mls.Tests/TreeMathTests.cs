using System.Text.Json;
using AudioOrchestrator.Mls.Tree;

namespace AudioOrchestrator.Mls.Tests;

public sealed class TreeMathTests
{
    [Fact]
    public void TreeMathVectors()
    {
        var cases = TestVectors.Load("tree-math.json");
        foreach (var c in cases)
        {
            var n = c.U32("n_leaves");
            Assert.Equal(c.U32("n_nodes"), TreeMath.NodeWidth(n));
            Assert.Equal(c.U32("root"), TreeMath.Root(n));
            Check(c, "left", n, (x, _) => TreeMath.Left(x));
            Check(c, "right", n, (x, _) => TreeMath.Right(x));
            Check(c, "parent", n, TreeMath.Parent);
            Check(c, "sibling", n, TreeMath.Sibling);
        }

        Assert.Equal(10, cases.Count);
    }

    [Fact]
    public void CommonAncestorAndPaths()
    {
        Assert.Equal(3u, TreeMath.CommonAncestor(0, 4, 4));
        Assert.Equal(1u, TreeMath.CommonAncestor(0, 2, 4));
        Assert.Equal(3u, TreeMath.CommonAncestor(1, 5, 4));
        Assert.Equal(5u, TreeMath.CommonAncestor(5, 4, 4));
        Assert.Equal(new uint[] { 1, 3 }, TreeMath.DirectPath(0, 4));
        Assert.Equal(new uint[] { 2, 5 }, TreeMath.Copath(0, 4));
    }

    private static void Check(JsonElement c, string name, uint n, Func<uint, uint, uint?> f)
    {
        var expected = c.GetProperty(name).EnumerateArray().ToList();
        for (var i = 0; i < expected.Count; i++)
        {
            uint? want = expected[i].ValueKind == JsonValueKind.Null ? null : expected[i].GetUInt32();
            Assert.True(want == f((uint)i, n), $"{name}[{i}] for n_leaves={n}");
        }
    }
}
