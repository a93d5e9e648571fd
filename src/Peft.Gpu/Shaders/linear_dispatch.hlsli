// The element a thread of a linear dispatch works on (GpuKernels' DispatchGroups.Linear with ElementwiseGroupSize):
// groups of LINEAR_GROUP_SIZE threads along X, folded into Y past 65535 groups. The element-wise shaders declare
// [numthreads(LINEAR_GROUP_SIZE, 1, 1)] and index with LinearIndex.
#define LINEAR_GROUP_SIZE 256

uint LinearIndex(uint3 id)
{
    return id.x + id.y * 65535u * LINEAR_GROUP_SIZE;
}
