import { StartupError } from '../common/start-up';

/** Another process holds the embedded database's DATA_DIR. */
export class DataDirBusyError extends StartupError {
  constructor(dataDir: string, holder: string) {
    super(
      `The embedded database in ${dataDir} is in use by ${holder} (DATA_DIR): stop it first, or give this process another DATA_DIR or a DATABASE_URL`,
    );
    this.name = 'DataDirBusyError';
  }
}
