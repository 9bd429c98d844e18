import { arrayPaths } from '../ensure-arrays.js';

/** Elements of CI documents that may repeat (formats.md §1.6), relative to the content of `<Response>`. */
export const CI_ARRAY_PATHS = arrayPaths([
  'JobsDetail',
  'JobsDetail.Input.CosHeaders',
  'JobsDetail.Operation.WatermarkTemplateId',
  'JobsDetail.Operation.Watermark',
  'JobsDetail.Operation.MediaResult.OutputFile',
  'JobsDetail.Operation.MediaResult.OutputFile.ObjectName',
  'JobsDetail.Operation.MediaResult.OutputFile.Md5Info',
  'JobsDetail.Operation.MediaResult.OutputFile.SpriteOutputFile.ObjectName',
  'JobsDetail.Operation.DocProcessResult.PageInfo',
  'JobsDetail.Operation.SplitVideoInfoResult.TimeInfo',
  'JobsDetail.Operation.FileCompressConfig.Key',
  'JobsDetail.Operation.FileCompressResult.ErrorDetail.ErrorFile',
  'WorkflowExecution',
  'WorkflowExecution.CosHeaders',
  'WorkflowExecution.Tasks',
  'WorkflowExecution.Tasks.ResultInfo.ObjectInfo',
  'WorkflowExecution.Tasks.ResultInfo.SpriteObjectInfo',
]);
