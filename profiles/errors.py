"""Profile and upload errors, each with its API.md code and HTTP status."""

from core.errors import ApplicationError, NotFound, PermissionDenied, ValidationFailed


class ProfileNotFound(NotFound):
    code = "PROFILE_NOT_FOUND"
    message = "No such profile."


class ProfilePrivate(ApplicationError):
    code = "PROFILE_PRIVATE"
    status = 403
    message = "This profile is private."


class ProfileValidationError(ValidationFailed):
    code = "PROFILE_VALIDATION_ERROR"
    message = "Invalid profile field values."


class UploadInvalidType(ApplicationError):
    code = "UPLOAD_INVALID_TYPE"
    status = 415
    message = "Only PNG, JPEG and WebP images are accepted."


class UploadFileTooLarge(ApplicationError):
    code = "UPLOAD_FILE_TOO_LARGE"
    status = 413
    message = "The file is over the size limit."


class UploadLengthRequired(ApplicationError):
    code = "LENGTH_REQUIRED"
    status = 411
    message = "Send the file with a Content-Length header (chunked uploads are not accepted)."


class UploadEmpty(ValidationFailed):
    message = "The upload is empty."


class UploadIncomplete(ValidationFailed):
    message = "The upload ended before Content-Length bytes arrived; send it again."


class UploadNotOwned(PermissionDenied):
    message = "This storage path does not belong to you."


class UploadMissing(ValidationFailed):
    message = "Nothing has been uploaded to this storage path (or it was already processed)."


class UploadUrlInvalid(ApplicationError):
    code = "UPLOAD_URL_INVALID"
    status = 403
    message = "This upload URL is not valid."


class UploadUrlExpired(ApplicationError):
    code = "UPLOAD_URL_EXPIRED"
    status = 403
    message = "This upload URL has expired; ask for a new one."


class UploadAlreadyReceived(ApplicationError):
    code = "UPLOAD_ALREADY_RECEIVED"
    status = 409
    message = "This upload URL has already been used."


class StorageUnavailable(ApplicationError):
    code = "STORAGE_UNAVAILABLE"
    status = 503
    message = "Media storage is unavailable; try again shortly."
