using System.IO.Compression;
using System.Text;
using Peft.Training;

namespace Peft.Tests.Training;

public sealed class DatasetTests
{
    [Fact]
    public void Array_dataset_fills_batches_in_index_order_and_subsets_copy()
    {
        var data = new ArrayDataset([0, 1, 10, 11, 20, 21], 2, labels: [5, 6, 7], targets: [0.5f, 1.5f, 2.5f]);
        var batch = new Batch();
        data.FillBatch([2, 0], batch);
        Assert.Equal(2, batch.Size);
        Assert.Equal([20f, 21, 0, 1], batch.Inputs.ToArray());
        Assert.Equal([7, 5], batch.Labels.ToArray());
        Assert.Equal([2.5f, 0.5f], batch.Targets.ToArray());
        var subset = data.Subset([1]);
        Assert.Equal([10f, 11], subset.Features.ToArray());
        Assert.Equal([6], subset.Labels.ToArray());
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => data.FillBatch([0, 3], batch));
        Assert.Contains("batch position 1 asks for example 3", error.Message);
        Assert.Throws<ArgumentException>(() => new ArrayDataset([1, 2, 3], 2));
    }

    [Fact]
    public void Csv_reads_features_and_last_column_labels_plain_and_gzip()
    {
        string directory = TrainingFixtures.TemporaryDirectory();
        try
        {
            string csv = "a,b,label\n0.5,1e-1,2\n-3,4,0.0\n";
            string plain = Path.Combine(directory, "data.csv");
            File.WriteAllText(plain, csv);
            string gz = plain + ".gz";
            using (var stream = new GZipStream(File.Create(gz), CompressionLevel.Fastest))
            {
                stream.Write(Encoding.UTF8.GetBytes(csv));
            }

            foreach (string path in (string[])[plain, gz])
            {
                var data = CsvDataset.Load(path, hasHeader: true);
                Assert.Equal(2, data.Count);
                Assert.Equal(2, data.FeatureWidth);
                Assert.Equal([0.5f, 0.1f, -3, 4], data.Features.ToArray());
                Assert.Equal([2, 0], data.Labels.ToArray());
            }

            File.WriteAllText(plain, "2,0.5,1\n0,-3,4\n");
            var first = CsvDataset.Load(plain, labelColumn: 0);
            Assert.Equal([2, 0], first.Labels.ToArray());
            Assert.Equal([0.5f, 1, -3, 4], first.Features.ToArray());
            Assert.Equal(3, CsvDataset.Load(plain, labelColumn: null).FeatureWidth);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [InlineData("1,2,0\n1,x,1\n", "line 2, column 2: 'x' is not a number")]
    [InlineData("1,2,0\n1,2,1.5\n", "line 2, column 3: label '1.5' is not an integer")]
    [InlineData("1,2,0\n1,2\n", "line 2 has 2 columns, the first row has 3")]
    public void Csv_errors_name_line_and_column(string text, string expected)
    {
        string path = Path.Combine(Path.GetTempPath(), $"peft-csv-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, text);
        try
        {
            var error = Assert.Throws<FormatException>(() => CsvDataset.Load(path));
            Assert.Contains(path, error.Message);
            Assert.Contains(expected, error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Jsonl_text_is_tokenized_truncated_and_padded_with_ignored_labels()
    {
        string path = Path.Combine(Path.GetTempPath(), $"peft-text-{Guid.NewGuid():N}.jsonl");
        File.WriteAllText(path, "{\"text\": \"abc\"}\n\n{\"text\": \"hello world\", \"other\": 1}\n");
        try
        {
            // One token per character: its code.
            var data = TextDataset.LoadJsonl(path, text => text.Select(c => (int)c).ToArray(), sequenceLength: 5, padTokenId: 0);
            Assert.Equal(2, data.Count);
            var batch = new Batch();
            data.FillBatch([0, 1], batch);
            Assert.Equal([2, 5], batch.Tokens.Shape.ToArray());
            Assert.Equal([97, 98, 99, 0, 0, 104, 101, 108, 108, 111], batch.Tokens.ToArray());
            Assert.Equal([97, 98, 99, -100, -100, 104, 101, 108, 108, 111], batch.Labels.ToArray());
            Assert.Equal(0, batch.Inputs.Length);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("{\"text\": \"a\"}\n{\"text\": 3}\n", "line 2 is not a JSON object with a string field \"text\"")]
    [InlineData("{\"text\": \"a\"}\n{\"text\": \n", "line 2 is not valid JSON")]
    public void Jsonl_errors_name_the_line(string text, string expected)
    {
        string path = Path.Combine(Path.GetTempPath(), $"peft-text-{Guid.NewGuid():N}.jsonl");
        File.WriteAllText(path, text);
        try
        {
            var error = Assert.Throws<FormatException>(() => TextDataset.LoadJsonl(path, t => [1], 4));
            Assert.Contains(expected, error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Text_batches_need_an_objective_that_reads_tokens()
    {
        var data = TextDataset.FromTexts(["ab"], t => [1, 2], 2);
        var error = Assert.Throws<InvalidOperationException>(() => Trainer.ForLayer(TrainingFixtures.Mlp(), data, new TrainerOptions { MaxSteps = 1 }).TrainStep());
        Assert.Contains("Batch.Tokens", error.Message);
    }

    [Fact]
    public void Pack_cuts_one_token_stream_into_blocks_and_pads_the_last()
    {
        // 11 tokens in blocks of 4: [0..3], [4..7], [8..10] + one padding position.
        var data = TextDataset.Pack([.. Enumerable.Range(10, 11)], blockLength: 4, padTokenId: 7);
        Assert.Equal(3, data.Count);
        Assert.Equal(4, data.SequenceLength);
        var batch = new Batch();
        data.FillBatch([2, 0], batch);
        Assert.Equal([2, 4], batch.Tokens.Shape.ToArray());
        Assert.Equal([18, 19, 20, 7, 10, 11, 12, 13], batch.Tokens.ToArray());
        Assert.Equal([18, 19, 20, -100, 10, 11, 12, 13], batch.Labels.ToArray());

        // A single leftover token predicts nothing: dropped. A stream that fills its blocks has no padding.
        Assert.Equal(2, TextDataset.Pack([.. Enumerable.Range(0, 9)], 4).Count);
        Assert.Equal(2, TextDataset.Pack([.. Enumerable.Range(0, 8)], 4).Count);
        Assert.Contains("at least 2", Assert.Throws<ArgumentException>(() => TextDataset.Pack([5], 4)).Message);
    }

    [Fact]
    public void LoadText_tokenizes_the_whole_file_and_names_an_empty_one()
    {
        string path = Path.Combine(Path.GetTempPath(), $"peft-text-{Guid.NewGuid():N}.txt");
        try
        {
            File.WriteAllText(path, "hello\nworld");
            var data = TextDataset.LoadText(path, text => text.Select(c => (int)c).ToArray(), blockLength: 6);
            Assert.Equal(2, data.Count);
            var batch = new Batch();
            data.FillBatch([1], batch);
            Assert.Equal("world", new string(batch.Tokens.ToArray().Take(5).Select(c => (char)c).ToArray()));

            File.WriteAllText(path, " \n ");
            var error = Assert.Throws<FormatException>(() => TextDataset.LoadText(path, text => [1, 2], 4));
            Assert.Contains(path, error.Message);
            Assert.Contains("no text", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Split_is_a_seeded_partition_of_the_blocks()
    {
        // Block i holds the tokens 10i .. 10i + 9, so a block's first token names it.
        var data = TextDataset.Pack([.. Enumerable.Range(0, 200)], blockLength: 10);
        var (train, validation) = data.Split(0.15, seed: 42);
        Assert.Equal(3, validation.Count); // ⌈0.15 · 20⌉
        Assert.Equal(17, train.Count);
        int[] Blocks(TextDataset part)
        {
            var batch = new Batch();
            part.FillBatch([.. Enumerable.Range(0, part.Count)], batch);
            return [.. Enumerable.Range(0, part.Count).Select(i => batch.Tokens.Span[i * 10] / 10)];
        }

        int[] trainBlocks = Blocks(train), validationBlocks = Blocks(validation);
        Assert.Equal(Enumerable.Range(0, 20), trainBlocks.Concat(validationBlocks).Order());
        Assert.NotEqual(Enumerable.Range(0, 17), trainBlocks); // shuffled

        var (again, againValidation) = data.Split(0.15, seed: 42);
        Assert.Equal(trainBlocks, Blocks(again));
        Assert.Equal(validationBlocks, Blocks(againValidation));
        Assert.NotEqual(validationBlocks, Blocks(data.Split(0.15, seed: 43).Validation));

        Assert.Equal(0, data.Split(0, seed: 1).Validation.Count);
        Assert.Contains("at least 1 for training", Assert.Throws<ArgumentException>(() => TextDataset.Pack([1, 2, 3], 4).Split(0.5, 1)).Message);
        Assert.Throws<ArgumentException>(() => data.Split(1.0, 1));
    }
}
